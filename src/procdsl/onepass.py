"""Block text -> model nodes in one pass: ToModel's methods run as the LALR parser reduces.

Lark's usual route lexes through a chain of generators, builds a parse tree (a ``Tree``
and a ``Meta`` per rule, positions propagated up) and ``ToModel`` then walks it.  Here
one loop does it all on Lark's own tables: it lexes with the regexps of Lark's
contextual lexer (one scanner per parser state, compiled when first needed), adds
the indentation tokens as ``parser.Indenter`` does, shifts and reduces with Lark's LALR
table, and on each reduction calls one function.  That function keeps the children
Lark's tree builder would keep (its child filter, ``_rule`` splicing and ``?rule``
inlining), works out the same positions (Lark's ``propagate_positions`` rules: a node
runs from its first to its last positioned child, filtered tokens like ``_NL``
included, and an inlined node takes its parent's extent for the grandparent) and calls
the same ``ToModel`` method: the same model, without the tree.

The tables are read from Lark's parser as plain data (``LarkTables``), which the
grammar cache saves: a later run builds the parser from them without loading Lark's.

Anything unusual raises, and ``parser.py`` then parses the block the tree way, so a
syntax error or a failing method is reported by exactly the code that reported it
before.  Lines of 200 characters or more also go the tree way: only a long line can
nest deeply, and deep nesting must fail (or not) as it did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lark import Lark, Token
from lark.grammar import Rule
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


def _pass_on(children: list[Any], builder: ToModel) -> Any:
    """Reduce a rule that only renames its one child (a token or a node): the child itself."""
    return children[0]


RuleShape = tuple[int, str, tuple[tuple[int, bool], ...], bool, bool, bool, str]


def _shape(rule: Rule) -> RuleShape:
    """Return what reducing rule needs, as plain data: (length, name, kept children as
    (index, spliced), spliced, inlined, passed on, origin)."""
    options = rule.options
    name = rule.alias or options.template_source or rule.origin.name
    keep = tuple((i, not sym.is_term and sym.name.startswith("_"))
                 for i, sym in enumerate(rule.expansion)
                 if options.keep_all_tokens
                 or not (sym.is_term and getattr(sym, "filter_out", False)))
    inline = bool(options.expand1) and not rule.alias
    pass_on = inline and keep == ((0, False),) and len(rule.expansion) == 1
    return (len(rule.expansion), str(name), keep, name.startswith("_"), inline, pass_on,
            str(rule.origin.name))  # plain str: Lark's names may be Tokens


def _reducer(shape: RuleShape) -> Reducer:
    """Return the function that reduces a rule: filter, splice or inline, place, build."""
    _, name, keep, spliced, inline, pass_on, _ = shape
    method = RULE_METHODS.get(name)
    if pass_on:
        return _pass_on  # ``?a: b``: b's value and extent are a's

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


class _Lazy(dict[Any, Any]):
    """A dict that works a missing entry out (once) with the function it was given."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class LarkTables:
    """Lark's parse table and contextual lexers as plain data, read row by row when needed.

    ``states`` maps a state to its actions (symbol -> next state, or -1 - rule number to
    reduce), ``rules`` a rule number to its ``RuleShape``, ``lexer_of`` a state to its
    lexer number and ``lexers`` that number to (regexps as (pattern, flags), ignored
    types).  ``plain()`` reads everything, as ``grammar_cache`` saves it.
    """

    def __init__(self, lark: Lark) -> None:
        frontend = lark.parser
        table = frontend.parser._parse_table
        self.lark_states = table.states
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        self.lark_lexers = frontend.lexer.lexer.lexers  # PostLexConnector -> ContextualLexer
        self.states = _Lazy(self.row)
        self.lexer_of = _Lazy(self.lexer)
        self.rules: dict[int, RuleShape] = {}
        self.lexers: dict[int, tuple[tuple[tuple[str, int], ...], tuple[str, ...]]] = {}
        self._rule_numbers: dict[Rule, int] = {}
        self._lexer_numbers: dict[int, int] = {}

    def row(self, state: int) -> dict[str, int]:
        """Return state's actions: a next state (>= 0) or -1 - the rule to reduce."""
        row: dict[str, int] = {}
        for symbol, (action, arg) in self.lark_states[state].items():
            symbol = str(symbol)
            if action is Shift:
                row[symbol] = arg
                continue
            number = self._rule_numbers.get(arg)
            if number is None:
                number = self._rule_numbers[arg] = len(self._rule_numbers)
                self.rules[number] = _shape(arg)
            row[symbol] = -1 - number
        return row

    def lexer(self, state: int) -> int:
        """Return the number of state's lexer, reading its regexps the first time."""
        lexer = self.lark_lexers[state]
        number = self._lexer_numbers.get(id(lexer))
        if number is None:
            regexps = lexer.scanner._mres  # builds Lark's scanner (once per lexer)
            if lexer.callback:  # keyword callbacks: not in procdsl's grammar
                raise Unsupported("token callbacks")
            number = self._lexer_numbers[id(lexer)] = len(self._lexer_numbers)
            self.lexers[number] = (
                tuple((r.pattern, int(r.flags & ~re.UNICODE)) for r in regexps),
                tuple(sorted(str(t) for t in lexer.ignore_types)))
        return number

    def plain(self) -> dict[str, Any]:
        """Return every table as plain data (ints, strings, tuples and dicts)."""
        for state in self.lark_states:
            self.states[state]
            self.lexer_of[state]
        return {"start": self.start, "end": self.end, "states": dict(self.states),
                "rules": dict(self.rules), "lexer_of": dict(self.lexer_of),
                "lexers": dict(self.lexers)}


class _Tables:
    """The parser's tables as it uses them: rows with reducers, compiled scanners."""

    def __init__(self, source: Any) -> None:
        self.source = source  # a LarkTables, or the same tables as saved plain data
        parts = source if isinstance(source, dict) else vars(source)
        self.start, self.end = parts["start"], parts["end"]
        self._states, self._rules = parts["states"], parts["rules"]
        self._lexer_of, self._lexers = parts["lexer_of"], parts["lexers"]
        self.rows = _Lazy(self.row)
        self.scanners = _Lazy(self.scanner)
        self.reducers: dict[int, tuple[int, Reducer, str]] = {}
        self.compiled: dict[int, tuple[Any, ...]] = {}

    def row(self, state: int) -> dict[str, Any]:
        """Return state's actions: a next state (int) to shift, or a reduction to make."""
        row: dict[str, Any] = {}
        for symbol, action in self._states[state].items():
            if action >= 0:
                row[symbol] = action
                continue
            found = self.reducers.get(action)
            if found is None:
                shape = self._rules[-1 - action]
                found = self.reducers[action] = (shape[0], _reducer(shape), shape[6])
            row[symbol] = found
        return row

    def scanner(self, state: int) -> tuple[Any, ...]:
        """Return state's scanner as (regexps, ignored types)."""
        number = self._lexer_of[state]
        found = self.compiled.get(number)
        if found is None:
            patterns, ignored = self._lexers[number]
            found = self.compiled[number] = (
                tuple(re.compile(p, f) for p, f in patterns), frozenset(ignored))
        return found


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

    def __init__(self, tables: Lark | LarkTables | dict[str, Any]) -> None:
        self._tables = _Tables(LarkTables(tables) if isinstance(tables, Lark) else tables)

    def parse(self, text: str, builder: ToModel) -> list[Any]:
        """Return the items of one block's text (ending in a newline); raise on anything odd."""
        t = self._tables
        rows, scanners = t.rows, t.scanners
        states = [t.start]
        values: list[Any] = []
        levels = [0]
        pos, size = 0, len(text)
        last: Token | None = None
        while pos < size:
            regexps, ignored = scanners[states[-1]]
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
            last = _token(kind, value, pos, end)
            pos = end
            # Shift the token (and the indentation tokens a newline brings), reducing first
            # as the table says: Lark's feed_token, inline.
            for token in _indents(last, levels) if last.type == "_NL" else (last,):
                kind = token.type
                while True:
                    action = rows[states[-1]][kind]
                    if type(action) is int:
                        states.append(action)
                        values.append(token)
                        break
                    count, reduce, origin = action
                    if count:
                        children = values[-count:]
                        del states[-count:]
                        del values[-count:]
                    else:
                        children = []
                    values.append(reduce(children, builder))
                    states.append(rows[states[-1]][origin])
        return self._finish(states, values, builder, last, levels)

    def _finish(self, states: list[int], values: list[Any], builder: ToModel,
                last: Token | None, levels: list[int]) -> list[Any]:
        """Close the open blocks, reduce what is left at the end; return the block's items."""
        rows = self._tables.rows
        closing = [_token("_DEDENT", "", last.start_pos, last.end_pos)  # type: ignore[arg-type]
                   for _ in levels[1:]] if last is not None else []
        for token in [*closing, None]:
            kind = "$END" if token is None else token.type
            while True:
                action = rows[states[-1]][kind]
                if type(action) is int:
                    if token is None:
                        raise Unsupported("shift at the end")
                    states.append(action)
                    values.append(token)
                    break
                count, reduce, origin = action
                children = values[-count:] if count else []
                if count:
                    del states[-count:]
                    del values[-count:]
                values.append(reduce(children, builder))
                states.append(rows[states[-1]][origin])
                if token is None and states[-1] == self._tables.end:
                    return values[-1].value  # type: ignore[no-any-return]
        raise Unsupported("no end")  # not reached: the loop above returns or raises


def _indents(token: Token, levels: list[int]) -> list[Token]:
    """Return a newline token and the _INDENT or _DEDENT tokens after it (parser.Indenter)."""
    indent = len(token.value.rsplit("\n", 1)[-1])
    if indent == levels[-1]:
        return [token]
    start, end = token.start_pos, token.end_pos
    if indent > levels[-1]:
        if len(levels) > MAX_INDENT_DEPTH:
            raise Unsupported("nested too deeply")
        levels.append(indent)
        return [token, _token("_INDENT", " " * indent, start, end)]  # type: ignore[arg-type]
    if indent not in levels:
        raise Unsupported("bad dedent")
    out = [token]
    while indent < levels[-1]:
        levels.pop()
        out.append(_token("_DEDENT", "", start, end))  # type: ignore[arg-type]
    return out
