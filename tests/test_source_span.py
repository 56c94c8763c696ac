"""SourceFile.span (positions worked out inline) agrees with SourceFile.position."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.source import SourceFile, Span


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab\n步", max_size=30), st.integers(-5, 40), st.integers(-5, 40))
def test_span_agrees_with_position(text: str, start: int, end: int) -> None:
    source = SourceFile("x.proc", text)
    line, column = source.position(start)
    end_line, end_column = source.position(max(start, end))
    assert source.span(start, end) == Span("x.proc", line, column, end_line, end_column,
                                           start, max(start, end))
