"""Every diagnostic case: tests/diagnostics/PDxxx_what.proc beside PDxxx_what.expected.

The case's file name starts with the code it demonstrates; the test checks that code is
reported and that the full rendered output (in the spec's language) matches the golden
file.  Adding a case is adding two files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from procdsl.compiler import check_text
from procdsl.diagnostics import render_full

from .golden import assert_golden

CASES = sorted((Path(__file__).parent / "diagnostics").glob("*.proc"))


def render_case(path: Path) -> tuple[str, list[str]]:
    """Render a case as ``diagnostics/NAME.proc`` (run from tests/, so a calendar file
    beside the case is found, and its problems shown with its own lines)."""
    rel = f"diagnostics/{path.name}"
    unit = check_text(rel, path.read_bytes())
    text = "\n\n".join(render_full(d, unit.sources, unit.lang) for d in unit.diagnostics)
    return text + "\n", [d.code for d in unit.diagnostics]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_diagnostic_case(case: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch
                         ) -> None:
    monkeypatch.chdir(Path(__file__).parent)
    rendered, codes = render_case(case)
    expected_code = case.stem.split("_")[0]
    assert expected_code in codes, f"{case.name} should report {expected_code}, got {codes}"
    assert_golden(case.with_suffix(".expected"), rendered, update_golden)
