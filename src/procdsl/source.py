"""Source files and positions: every model node and diagnostic points into one."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A range of a source file: 1-based line and column, 0-based character offsets."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def to_json(self) -> list[int]:
        """Return the span as ``[line, column, end_line, end_column]`` for JSON output."""
        return [self.line, self.column, self.end_line, self.end_column]


NO_SPAN = Span("<none>", 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class SourceFile:
    """The text of one spec, with newlines normalised to ``\\n`` and any BOM removed."""

    path: str
    text: str
    _line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        object.__setattr__(self, "_line_starts", tuple(starts))

    @classmethod
    def from_text(cls, path: str, text: str) -> SourceFile:
        """Return a source file for text, normalising newlines and dropping a BOM."""
        if text.startswith("\ufeff"):
            text = text[1:]
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return cls(path, text)

    @property
    def line_count(self) -> int:
        """Return how many lines the text has."""
        return len(self._line_starts)

    def line_start(self, line: int) -> int:
        """Return the character offset where a 1-based line starts (clamped to the text)."""
        return self._line_starts[max(1, min(line, len(self._line_starts))) - 1]

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line without its newline ('' when out of range)."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end == -1 else self.text[start:end]

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        """Return the span between two character offsets."""
        if end < start:
            end = start
        # position() twice, inline: this runs for every model node.
        size = len(self.text)
        first = 0 if start < 0 else size if start > size else start
        last = 0 if end < 0 else size if end > size else end
        starts = self._line_starts
        line = bisect.bisect_right(starts, first)
        end_line = line if last == first else bisect.bisect_right(starts, last, line - 1)
        return Span(self.path, line, first - starts[line - 1] + 1, end_line,
                    last - starts[end_line - 1] + 1, start, end)
