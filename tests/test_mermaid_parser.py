"""Mermaid's own parser (npm ``mermaid`` under jsdom, pinned in tests/mermaid_check/)
reads every Mermaid diagram procdsl writes: the committed generated/*.mmd, the diagram
of every fixture that checks clean, in both languages and directions, and diagrams of
hostile titles.  ``.ci/setup`` installs the two packages with ``npm ci``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from procdsl.compiler import check_text, compile_paths
from procdsl.emitters.mermaid import emit_mermaid

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "tests" / "mermaid_check"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (CHECK / "node_modules" / "mermaid").is_dir(),
    reason="needs node and `npm ci` in tests/mermaid_check (bash .ci/setup does both)")


def parse_all(paths: list[Path]) -> dict[str, str | None]:
    """Return each file's parse error (None when Mermaid read it)."""
    done = subprocess.run(["node", str(CHECK / "check.mjs"), *map(str, paths)],
                          capture_output=True, text=True, timeout=240, check=False)
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(found) == len(paths), done.stderr[-2000:]
    return {r["file"]: None if r["ok"] else r["error"] for r in found}


def test_the_parser_refuses_a_broken_diagram(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mmd"
    bad.write_text('flowchart LR\n  n1("")\n  n1 -->>> n2\n', encoding="utf-8")
    assert parse_all([bad])[str(bad)] is not None


def test_every_generated_diagram_parses() -> None:
    files = sorted((ROOT / "generated").glob("*.mmd"))
    assert len(files) >= 14
    errors = {f: e for f, e in parse_all(files).items() if e is not None}
    assert not errors, errors


HOSTILE = ['a "quoted" title', "semi; colon", "pipe | and --> arrow", "<b>html</b> & amp",
           "%% comment", "end", "graph TD", "`back` #35; ticks", "中文“引号”、标点。", "   x   ",
           "click n1 callback", "]) } { (( ", "line\\nbreak"]


def test_fixtures_and_hostile_titles_parse(tmp_path: Path) -> None:
    files = []
    units = compile_paths(sorted((ROOT / "tests" / "fixtures").glob("*.proc")))
    for unit in units:
        if not unit.ok or unit.spec is None:
            continue
        for lang in ("zh", "en"):
            for direction in ("LR", "TB"):
                out = tmp_path / f"{Path(unit.path).stem}.{lang}.{direction}.mmd"
                out.write_text(emit_mermaid(unit.spec, lang=lang, direction=direction),
                               encoding="utf-8")
                files.append(out)
    for i, written in enumerate(HOSTILE):
        title = written.replace('"', '\\"')  # as a spec writes a quote inside a string
        text = (f'process p "{title}"\n  lang en\nroles\n  clerk "{title}"\n'
                f'step s "{title}"\n  by clerk\n  then end done\nend done success\n')
        unit = check_text(f"h{i}.proc", text.encode())
        assert unit.spec is not None, [d.message for d in unit.diagnostics]
        out = tmp_path / f"hostile{i}.mmd"
        out.write_text(emit_mermaid(unit.spec, lang="en"), encoding="utf-8")
        files.append(out)
    assert len(files) > 60
    errors = {f: e for f, e in parse_all(files).items() if e is not None}
    assert not errors, errors
