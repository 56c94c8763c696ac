"""Block text -> model nodes in one pass: ToModel's methods run as Lark reduces.

Lark's usual route builds a parse tree (a ``Tree`` and a ``Meta`` per rule, positions
propagated up) which ``ToModel`` then walks.  Here the LALR parser calls one function
per reduction instead.  It keeps the children Lark's tree builder would keep (its child
filter, ``_rule`` splicing and ``?rule`` inlining), works out the same positions (its
``propagate_positions`` rules: a node runs from the first to the last positioned child,
filtered tokens like ``_NL`` included, and an inlined node takes its parent's extent
for the grandparent) and calls the same ``ToModel`` method: the same model, no tree.

Anything unusual raises, and ``parser.py`` then parses the block the tree way, so a
syntax error or a failing method is reported by exactly the code that reported it
before.  Lines of 200 characters or more also go the tree way: only a long line can
nest deeply, and deep nesting must fail (or not) as it did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Lark, Token
from lark.grammar import Rule
from lark.parsers.lalr_parser import _Parser

from .transform import RULE_METHODS, ToModel

Reducer = Callable[[list[Any]], Any]


class Unsupported(Exception):
    """Raised for a node the tree route builds differently (a rule without a method)."""


class _Node:
    """A reduced value on the parser's stack, with the extent its parent sees."""

    __slots__ = ("value", "start", "end")

    def __init__(self, value: Any, start: int | None, end: int | None) -> None:
        self.value = value
        self.start = start
        self.end = end


def _extent(children: list[Any]) -> tuple[int, int] | None:
    """Return (start, end) from the first and last positioned children, as Lark does."""
    start = end = None
    for c in children:
        if type(c) is _Node:
            if c.start is not None:
                start = c.start
                break
        else:
            start = c.start_pos
            break
    if start is None:
        return None
    for c in reversed(children):
        if type(c) is _Node:
            if c.end is not None:
                end = c.end
                break
        else:
            end = c.end_pos
            break
    return start, end  # type: ignore[return-value]


def _reducer(rule: Rule, holder: list[ToModel]) -> Reducer:
    """Return the function that reduces rule: filter, splice or inline, place, build."""
    options = rule.options
    name = rule.alias or options.template_source or rule.origin.name
    keep = [(i, not sym.is_term and sym.name.startswith("_"))
            for i, sym in enumerate(rule.expansion)
            if options.keep_all_tokens or not (sym.is_term and getattr(sym, "filter_out", False))]
    spliced = name.startswith("_")  # a helper rule: its children go into the parent's
    inline = bool(options.expand1) and not rule.alias
    method = RULE_METHODS.get(name)

    def reduce(children: list[Any]) -> Any:
        kept: list[Any] = []
        for i, splice in keep:
            c = children[i]
            if splice:
                if kept:
                    kept += c.value
                else:  # reuse the list, as Lark does for left recursion
                    kept = c.value
            elif type(c) is _Node:
                kept.append(c.value)
            else:
                kept.append(c)
        extent = _extent(children)
        start, end = extent if extent is not None else (None, None)
        if spliced:
            return _Node(kept, start, end)
        if inline and len(kept) == 1:
            value = kept[0]
            return value if isinstance(value, Token) else _Node(value, start, end)
        if method is None:
            raise Unsupported(name)
        return _Node(method(holder[0], extent, kept), start, end)

    return reduce


class OnePass:
    """A parser for one spec's blocks that builds model nodes while it parses."""

    def __init__(self, lark: Lark) -> None:
        frontend = lark.parser
        self._frontend = frontend
        self._holder: list[ToModel] = []
        table = frontend.parser._parse_table
        callbacks = {rule: _reducer(rule, self._holder) for rule in lark.rules}
        self._parser = _Parser(table, callbacks)  # type: ignore[arg-type]

    def parse(self, text: str, builder: ToModel) -> list[Any]:
        """Return the items of one block's text (ending in a newline); raise on anything odd."""
        self._holder[:] = [builder]
        lexer = self._frontend._make_lexer_thread(text)
        result = self._parser.parse(lexer, "start")  # type: ignore[arg-type]
        return result.value  # type: ignore[no-any-return]
