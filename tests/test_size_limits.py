"""A spec too large to be a process is refused at once, in words, not checked for minutes."""

from __future__ import annotations

import pytest

from procdsl import parser
from procdsl.compiler import check_text


def _chain(n: int) -> bytes:
    lines = ['process chain "Chain"', "  lang en", "", "roles", "  r1", ""]
    lines += [f"step s{i} by r1, then {f's{i + 1}' if i + 1 < n else 'done'}" for i in range(n)]
    return "\n".join([*lines, "end done success", ""]).encode()


def test_a_spec_over_the_limit_is_refused_before_it_is_parsed() -> None:
    unit = check_text("huge.proc", _chain(parser.MAX_DEFINITIONS + 5))
    assert unit.spec is None
    [diag] = unit.diagnostics
    assert diag.code == "PD006" and diag.severity.value == "error"
    assert f"at most {parser.MAX_DEFINITIONS:,}" in diag.message.en
    assert "最多" in diag.message.zh and "run NAME" in (diag.hint.en if diag.hint else "")
    # the caret is on the first definition past the limit: the header and the roles are
    # the first two, step sK (on line 7 + K) the (K + 3)rd
    assert diag.span.line == 7 + parser.MAX_DEFINITIONS - 2


@pytest.mark.parametrize(("limit", "refused"), [(12, True), (13, False)])
def test_the_limit_counts_every_definition(monkeypatch: pytest.MonkeyPatch, limit: int,
                                           refused: bool) -> None:
    monkeypatch.setattr(parser, "MAX_DEFINITIONS", limit)
    unit = check_text("c.proc", _chain(10))  # the header, roles, 10 steps, an end: 13
    assert (unit.spec is None) is refused
    assert any(d.code == "PD006" for d in unit.diagnostics) is refused
