"""Block text -> model nodes in one pass: ToModel's methods run as the LALR parser reduces.

Lark's usual route lexes through a chain of generators, builds a parse tree (a ``Tree``
and a ``Meta`` per rule, positions propagated up) and ``ToModel`` then walks it.  Here
one loop does it all on Lark's own tables: it lexes with the scanners of Lark's
contextual lexer (one per parser state, built when first needed, as Lark does), adds
the indentation tokens as ``parser.Indenter`` does, shifts and reduces with Lark's LALR
table, and on each reduction calls one function.  That function keeps the children
Lark's tree builder would keep (its child filter, ``_rule`` splicing and ``?rule``
inlining), works out the same positions (Lark's ``propagate_positions`` rules: a node
runs from its first to its last positioned child, filtered tokens like ``_NL``
included, and an inlined node takes its parent's extent for the grandparent) and calls
the same ``ToModel`` method: the same model, without the tree.

Anything unusual raises, and ``parser.py`` then parses the block the tree way, so a
syntax error or a failing method is reported by exactly the code that reported it
before.  Lines of 200 characters or more also go the tree way: only a long line can
nest deeply, and deep nesting must fail (or not) as it did.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lark import Lark, Token
from lark.grammar import Rule
from lark.lexer import UnlessCallback
from lark.parsers.lalr_analysis import Shift

from .prescan import MAX_INDENT_DEPTH
from .transform import RULE_METHODS, ToModel

Reducer = Callable[[list[Any], ToModel], Any]
_NEW_STR = str.__new__


class Unsupported(Exception):
    """Raised where the one-pass parser does not go: the tree route takes the block."""


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


def _reducer(rule: Rule) -> Reducer:
    """Return the function that reduces rule: filter, splice or inline, place, build."""
    options = rule.options
    name = rule.alias or options.template_source or rule.origin.name
    keep = [(i, not sym.is_term and sym.name.startswith("_"))
            for i, sym in enumerate(rule.expansion)
            if options.keep_all_tokens or not (sym.is_term and getattr(sym, "filter_out", False))]
    spliced = name.startswith("_")  # a helper rule: its children go into the parent's
    inline = bool(options.expand1) and not rule.alias
    method = RULE_METHODS.get(name)

    def reduce(children: list[Any], builder: ToModel) -> Any:
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
        return _Node(method(builder, extent, kept), start, end)

    return reduce


class _Tables:
    """Lark's parse table and contextual scanners, turned row by row into plain dicts."""

    def __init__(self, lark: Lark) -> None:
        frontend = lark.parser
        table = frontend.parser._parse_table
        self.lark_states = table.states
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        self.lexers = frontend.lexer.lexer.lexers  # PostLexConnector -> ContextualLexer
        self.rows: dict[int, dict[str, Any]] = {}
        self.scanners: dict[int, tuple[Any, ...]] = {}
        self.reducers: dict[Rule, tuple[int, Reducer, str]] = {}

    def row(self, state: int) -> dict[str, Any]:
        """Return state's actions: a next state (int) to shift, or a reduction to make."""
        row: dict[str, Any] = {}
        for symbol, (action, arg) in self.lark_states[state].items():
            if action is Shift:
                row[symbol] = arg
            else:
                found = self.reducers.get(arg)
                if found is None:
                    found = self.reducers[arg] = (len(arg.expansion), _reducer(arg),
                                                  arg.origin.name)
                row[symbol] = found
        self.rows[state] = row
        return row

    def scanner(self, state: int) -> tuple[Any, ...]:
        """Return state's scanner as (regexps, ignored types, token callbacks, keywords)."""
        lexer = self.lexers[state]
        regexps = tuple(lexer.scanner._mres)  # builds Lark's scanner (once per lexer)
        callbacks = dict(lexer.callback)
        keywords: dict[str, dict[str, str]] = {
            name: {} for name, f in callbacks.items() if type(f) is UnlessCallback}
        found = (regexps, lexer.ignore_types, callbacks, keywords)
        self.scanners[state] = found
        return found


@lru_cache(maxsize=4)
def _tables(lark: Lark) -> _Tables:
    return _Tables(lark)


def _token(kind: str, value: str, start: int, end: int) -> Token:
    """Return a Lark token (no line and column: the model uses offsets only)."""
    token: Token = _NEW_STR(Token, value)
    token.type = kind
    token.value = value
    token.start_pos = start
    token.end_pos = end
    token.line = token.column = token.end_line = token.end_column = None
    return token


class OnePass:
    """A parser for one spec's blocks that builds model nodes while it parses."""

    def __init__(self, lark: Lark) -> None:
        self._tables = _tables(lark)

    def parse(self, text: str, builder: ToModel) -> list[Any]:
        """Return the items of one block's text (ending in a newline); raise on anything odd."""
        t = self._tables
        rows, scanners = t.rows, t.scanners
        states = [t.start]
        values: list[Any] = []
        levels = [0]
        pos, size = 0, len(text)
        token: Token | None = None

        def feed(token: Token) -> None:
            kind = token.type
            while True:
                state = states[-1]
                action = (rows.get(state) or t.row(state))[kind]
                if type(action) is int:
                    states.append(action)
                    values.append(token)
                    return
                count, reduce, origin = action
                if count:
                    children = values[-count:]
                    del states[-count:]
                    del values[-count:]
                else:
                    children = []
                values.append(reduce(children, builder))
                state = states[-1]
                states.append((rows.get(state) or t.row(state))[origin])

        while pos < size:
            state = states[-1]
            regexps, ignored, callbacks, keywords = scanners.get(state) or t.scanner(state)
            for regexp in regexps:
                match = regexp.match(text, pos)
                if match:
                    break
            else:
                raise Unsupported("no token here")  # the tree route names what is wrong
            kind = match.lastgroup
            value = match.group()
            end = pos + len(value)
            if kind in ignored:
                pos = end
                continue
            token = _token(kind, value, pos, end)
            pos = end
            if kind in callbacks:
                memo = keywords.get(kind)
                if memo is None:
                    token = callbacks[kind](token)
                else:
                    found = memo.get(value)
                    if found is None:
                        found = memo[value] = callbacks[kind](token).type
                    token.type = found
            feed(token)
            if token.type == "_NL":
                self._indent(token, levels, feed)
        if token is not None:
            while len(levels) > 1:
                levels.pop()
                feed(_token("_DEDENT", "", token.start_pos, token.end_pos))  # type: ignore[arg-type]
        return self._finish(states, values, builder)

    @staticmethod
    def _indent(token: Token, levels: list[int], feed: Callable[[Token], None]) -> None:
        """Feed the _INDENT or _DEDENT tokens after a newline, as ``parser.Indenter`` does."""
        indent = len(token.value.rsplit("\n", 1)[-1])
        start, end = token.start_pos, token.end_pos
        if indent > levels[-1]:
            if len(levels) > MAX_INDENT_DEPTH:
                raise Unsupported("nested too deeply")
            levels.append(indent)
            feed(_token("_INDENT", " " * indent, start, end))  # type: ignore[arg-type]
            return
        if indent not in levels:
            raise Unsupported("bad dedent")
        while indent < levels[-1]:
            levels.pop()
            feed(_token("_DEDENT", "", start, end))  # type: ignore[arg-type]

    def _finish(self, states: list[int], values: list[Any], builder: ToModel) -> list[Any]:
        """Reduce what is left at the end of the text; return the block's items."""
        t = self._tables
        while True:
            state = states[-1]
            action = (t.rows.get(state) or t.row(state))["$END"]
            if type(action) is int:
                raise Unsupported("shift at the end")
            count, reduce, origin = action
            children = values[-count:] if count else []
            if count:
                del states[-count:]
                del values[-count:]
            values.append(reduce(children, builder))
            state = states[-1]
            states.append((t.rows.get(state) or t.row(state))[origin])
            if states[-1] == t.end:
                return values[-1].value  # type: ignore[no-any-return]
