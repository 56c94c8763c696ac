"""Every snippet of docs/store.md runs, in order, against a real store."""

from __future__ import annotations

import contextlib
import io
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest_store import GENERATED

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "store.md"


def blocks() -> list[tuple[str, str]]:
    """Return (info string, text) of each fenced block of the doc, in order."""
    found: list[tuple[str, str]] = []
    current: list[str] | None = None
    info = ""
    for line in DOC.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                found.append((info, "".join(current)))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_every_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = GENERATED.read_text(encoding="utf-8")
    (tmp_path / "expense_reimbursement.py").write_text(source, encoding="utf-8")
    (tmp_path / "expense_reimbursement_v2.py").write_text(
        source.replace("version='1.0'", "version='2.0'"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("expense_reimbursement", "expense_reimbursement_v2"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    namespace: dict[str, object] = {"__name__": "store_doc"}
    out = io.StringIO()
    ran = []
    for info, text in blocks():
        if info == "python":
            with contextlib.redirect_stdout(out):
                exec(compile(text, str(DOC), "exec"), namespace)  # the doc's own code
        elif info == "console":
            for line in text.splitlines():
                if line.startswith("$ "):
                    argv = shlex.split(line[2:])
                    assert argv[0] == "python"
                    done = subprocess.run([sys.executable, *argv[1:]], capture_output=True,
                                          text=True, timeout=60,
                                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
                    assert done.returncode == 0, done.stderr
        else:
            continue
        ran.append(info)
    assert ran.count("python") == 5 and ran.count("console") == 1
    printed = out.getvalue()
    assert "('finance_audit',)" in printed
    assert "2.0 1.0" in printed
    assert "sam\n" in printed  # the directory: alice's manager
    assert "reminder" in printed or "breach" in printed
    for name in ("expense_reimbursement", "expense_reimbursement_v2"):
        sys.modules.pop(name, None)
