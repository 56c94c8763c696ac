"""The prescan's shortcut for plain lines agrees with the character-by-character scan."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.diagnostics import Diagnostic
from procdsl.prescan import _PLAIN_LINE, FULL_WIDTH, MAX_PAREN_DEPTH, OPEN_QUOTES, _scan_line
from procdsl.source import SourceFile

ROOT = Path(__file__).resolve().parents[1]
ALPHABET = "ab 1\t\"\\#(（)）,，“”「」步骤" + "".join(FULL_WIDTH) + "".join(OPEN_QUOTES)


def _agrees(line: str) -> None:
    """A line the shortcut calls plain is left as it is by _scan_line, with no problem."""
    if not (_PLAIN_LINE.fullmatch(line) and line.count("(") <= MAX_PAREN_DEPTH):
        return
    out: list[str] = []
    diags: list[Diagnostic] = []
    problem = _scan_line(SourceFile("x.proc", line), 1, 0, line, out, diags)
    assert ("".join(out), problem, diags) == (line, False, [])


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_plain_lines_are_left_alone(line: str) -> None:
    _agrees(line)


def test_every_line_of_the_specs() -> None:
    plain = 0
    for path in sorted(ROOT.glob("**/*.proc")):
        for line in path.read_bytes().decode("utf-8", errors="replace").split("\n"):
            _agrees(line)
            plain += bool(_PLAIN_LINE.fullmatch(line))
    assert plain > 1000  # the shortcut is taken


def test_lines_with_problems_are_not_plain() -> None:
    for line in ("a\tb", "a “x”", "a ，b", "a \"open", "a \"x\\\"", "\u3000a"):
        assert not _PLAIN_LINE.fullmatch(line), line
    for line in ("step a \"x\"", "a \"，\" b", "a # “x”", "a \"x\\\"y\" b", ""):
        assert _PLAIN_LINE.fullmatch(line), line
