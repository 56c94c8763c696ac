"""Odd and broken blocks: each is diagnosed, none raises, and a procdsl bug says so."""

from __future__ import annotations

import pytest

from procdsl import transform
from procdsl.parser import parse_source
from procdsl.source import SourceFile

ODD = [
    "step a\n  by\n",                       # a syntax error
    "step a\n    by r\n  then b\n",          # a bad dedent
    "step a \"x\"\n  when (x > 1 -> b\n",   # an open bracket
    "calendar c\n  hours 09:75-12:00\n  holidays 2026-02-30\n",  # diagnostics from the builder
    "",
    "\n\n# only a comment\n",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_blocks_are_diagnosed(text: str) -> None:
    result = parse_source(SourceFile.from_text("odd.proc", text))
    assert result.diagnostics
    for d in result.diagnostics:
        assert d.span.line >= 1 and d.message.en and d.message.zh


def test_a_long_line_parses() -> None:
    text = "step a\n  when " + " + ".join(["x"] * 150) + " > 0 -> end e\n"
    result = parse_source(SourceFile.from_text("long.proc", text))
    assert result.spec is not None
    assert result.spec.tasks[0].routes[0].condition is not None


def test_nesting_deeper_than_the_stack_is_reported() -> None:
    text = "step a\n  when " + "not " * 600 + "x -> end e\n"
    result = parse_source(SourceFile.from_text("deep.proc", text))
    assert [d.code for d in result.diagnostics] == ["PD008"]
    assert "RecursionError" in result.diagnostics[0].message.en


def test_a_failing_builder_is_reported_as_a_procdsl_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> int:
        raise ValueError(text)

    monkeypatch.setattr(transform, "_integer", broken)
    text = "process p\nstep a\n  then b at most 3 times\nstep b\n  then end e\nend e\n"
    result = parse_source(SourceFile.from_text("bug.proc", text))
    bugs = [d for d in result.diagnostics if d.code == "PD008"]
    assert len(bugs) == 1 and "please report it" in bugs[0].message.en
    assert bugs[0].span.line == 2  # the block of step a; the other blocks still parse
    assert result.spec is not None and [t.name.text for t in result.spec.tasks] == ["b"]
