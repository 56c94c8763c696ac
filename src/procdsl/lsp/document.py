"""One open spec as the language server sees it: positions in UTF-16, and a compile that
reuses the parse of every top-level block the last keystroke did not touch.

The diagnostics are exactly those of ``procdsl check``: the compile is
``compiler.check_source`` itself, given a block parser that takes the parse of an
unchanged block from a cache instead of redoing it (tests compare both on every shipped
spec and on edits of them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .. import model as m
from ..compiler import Unit, check_source
from ..diagnostics import Diagnostic, has_errors
from ..parser import parse_block
from ..prescan import Block
from ..source import SourceFile, Span

# ------------------------------------------------------------------ positions


def _width(char: str, encoding: str) -> int:
    """Return how many code units of the position encoding a character takes."""
    code = ord(char)
    if encoding == "utf-8":
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    if encoding == "utf-32":
        return 1
    return 2 if code > 0xFFFF else 1


class LineIndex:
    """Maps between character offsets of a (normalised) source text and LSP positions:
    0-based line and code units of the position encoding: UTF-16 unless the client and
    server agreed on UTF-8 or UTF-32."""

    def __init__(self, text: str, bom: bool = False, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding if encoding in ("utf-8", "utf-32") else "utf-16"
        self.bom = bom  # the editor's first line starts with U+FEFF, which the source lacks
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts

    def line(self, line: int) -> str:
        """Return the text of a 0-based line without its newline."""
        if line < 0 or line >= len(self.starts):
            return ""
        start = self.starts[line]
        end = self.text.find("\n", start)
        return self.text[start:] if end == -1 else self.text[start:end]

    def position(self, offset: int) -> tuple[int, int]:
        """Return the (line, UTF-16 character) of a character offset."""
        import bisect

        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, self.utf16(line, offset - self.starts[line])

    def utf16(self, line: int, column: int) -> int:
        """Return the width in code units (UTF-16 ones by default) of the first ``column``
        characters of a 0-based line."""
        prefix = self.line(line)[:column]
        if self.encoding == "utf-16":
            units = len(prefix) + sum(1 for c in prefix if ord(c) > 0xFFFF)
        elif self.encoding == "utf-8":
            units = len(prefix.encode("utf-8", errors="surrogatepass"))
        else:
            units = len(prefix)
        return units + (_width("\ufeff", self.encoding) if self.bom and line == 0 else 0)

    def offset(self, line: int, character: int) -> int:
        """Return the character offset of an LSP position (clamped to the text)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        text = self.line(line)
        units = character - (_width("\ufeff", self.encoding) if self.bom and line == 0 else 0)
        column = 0
        for c in text:
            width = _width(c, self.encoding)
            if units < width:
                break
            units -= width
            column += 1
        return self.starts[line] + column

    def span_range(self, span: Span) -> tuple[tuple[int, int], tuple[int, int]]:
        """Return a span's start and end as LSP (line, character) pairs, from its 1-based
        lines and columns (so a span whose offsets are not set still lands right)."""
        start_line = max(0, span.line - 1)
        end_line = max(start_line, span.end_line - 1)
        return ((start_line, self.utf16(start_line, max(0, span.column - 1))),
                (end_line, self.utf16(end_line, max(0, span.end_column - 1))))

    def end(self) -> tuple[int, int]:
        """Return the position just after the last character."""
        last = len(self.starts) - 1
        return last, self.utf16(last, len(self.line(last)))


# ------------------------------------------------------------------ moving spans

_FIELDS: dict[type, tuple[str, ...] | None] = {str: None, int: None, bool: None, type(None): None}


def _shift(value: Any, lines: int, chars: int) -> Any:
    """Return value with every Span in it moved down ``lines`` lines, ``chars`` characters."""
    kind = type(value)
    if kind is Span:
        s: Span = value
        return Span(s.file, s.line + lines, s.column, s.end_line + lines, s.end_column,
                    s.start + chars, s.end + chars)
    if kind is tuple:
        return tuple([_shift(v, lines, chars) for v in value])
    if kind is list:
        return [_shift(v, lines, chars) for v in value]
    try:
        names = _FIELDS[kind]
    except KeyError:
        names = _FIELDS[kind] = (tuple(f.name for f in dataclasses.fields(value))
                                 if dataclasses.is_dataclass(value) else None)
    if names is None:
        return value
    return kind(**{n: _shift(getattr(value, n), lines, chars) for n in names})


@dataclass
class _Cached:
    items: list[Any]              # parsed as if the block were the whole file
    offset: int = 0               # where it was last placed, and what was placed there
    line: int = 1
    placed: list[Any] | None = None

    def at(self, block: Block) -> list[Any]:
        if block.offset == 0 and block.line == 1:
            return self.items
        if self.placed is None or (self.offset, self.line) != (block.offset, block.line):
            self.placed = _shift(self.items, block.line - 1, block.offset)
            self.offset, self.line = block.offset, block.line
        return self.placed


class BlockCache:
    """A block parser for ``parser.parse_source`` that remembers the parses of the
    top-level blocks of the last two compiles, by block text.

    A block is parsed on its own (as if it were the whole file) and its nodes moved to
    where it stands; only a block that parses cleanly so is kept.  Anything else is
    parsed by ``parser.parse_block`` in place, so its diagnostics are the parser's own.
    """

    def __init__(self) -> None:
        self.current: dict[str, _Cached] = {}
        self.previous: dict[str, _Cached] = {}
        self.fresh: dict[str, _Cached] = {}

    def compiled(self) -> None:
        """Note that a compile ended: blocks unused by the last two compiles are dropped."""
        self.previous, self.current, self.fresh = self.current, self.fresh, {}

    def __call__(self, source: SourceFile, block: Block,
                 bad_lines: frozenset[int]) -> tuple[list[Any], list[Diagnostic]]:
        text = block.text
        hit = self.fresh.get(text) or self.current.get(text) or self.previous.get(text)
        if hit is None:
            at_line_start = block.offset == 0 or source.text[block.offset - 1] == "\n"
            if not (at_line_start and source.text[block.offset:block.offset + len(text)] == text):
                return parse_block(source, block, bad_lines)
            items, diags = parse_block(SourceFile(source.path, text), Block(text, 0, 1),
                                       frozenset())
            if not items or diags:
                return parse_block(source, block, bad_lines)
            hit = _Cached(items)
        self.fresh[text] = hit
        return hit.at(block), []


def check_document(path: str, text: str, processes: frozenset[str],
                   cache: BlockCache | None) -> tuple[Unit, m.Spec | None, bool]:
    """Return the unit ``check_text`` would, the parsed model even when the spec has errors
    (for navigation), and whether the spec parsed without syntax errors."""
    data = text.encode("utf-8", errors="surrogatepass")
    unit, parsed = check_source(path, data, processes, cache or parse_block)
    if cache is not None:
        cache.compiled()
    if parsed is None:
        return unit, None, False
    syntax_ok = not has_errors(list(parsed.diagnostics))
    return unit, parsed.spec, syntax_ok and not any(d.code.startswith("PD0")
                                                    for d in unit.diagnostics)
