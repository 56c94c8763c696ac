"""The README's examples are real: its spec, its error, its Mermaid and its Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from procdsl.compiler import check_text
from procdsl.diagnostics import render_full
from procdsl.emitters.mermaid import emit_mermaid
from procdsl.emitters.python import emit_python

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPEC = ROOT / "specs" / "请假流程.proc"


def blocks(lang: str) -> list[str]:
    """Return the fenced code blocks whose info string is lang ('' for plain fences)."""
    found, current, info = [], None, ""
    for line in README.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if info == lang:
                    found.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_two_commands_are_there_and_ci_runs_the_test_one() -> None:
    sh = blocks("sh")[0]
    assert "bash .ci/setup && python3 -m procdsl build specs -o generated" in sh
    assert "bash .ci/setup && python3 -m pytest" in sh
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m pytest" in ci and "bash .ci/setup" in ci


def test_readme_spec_is_the_real_spec() -> None:
    assert blocks("")[0] == SPEC.read_text(encoding="utf-8")


def test_readme_error_is_the_real_error() -> None:
    text = SPEC.read_text(encoding="utf-8").replace("  然后 主管审批\n", "  然后 主管审壁\n")
    unit = check_text("specs/请假流程.proc", text.encode())
    shown = render_full(unit.diagnostics[0], {"specs/请假流程.proc": unit.source}, "zh")
    assert blocks("")[1].rstrip("\n") == shown


def test_readme_mermaid_lines_are_emitted() -> None:
    unit = check_text("specs/请假流程.proc", SPEC.read_bytes())
    assert unit.spec is not None
    emitted = emit_mermaid(unit.spec, lang="zh").splitlines()
    for line in blocks("mermaid")[0].splitlines():
        assert line in emitted, line


def test_readme_python_runs(tmp_path: Path) -> None:
    unit = check_text("specs/请假流程.proc", SPEC.read_bytes())
    assert unit.spec is not None
    (tmp_path / "请假流程.py").write_text(emit_python(unit.spec, lang="zh"), encoding="utf-8")
    code = blocks("python")[0]
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "主管审批 需要角色 主管；wang 的角色：员工" in result.stdout
