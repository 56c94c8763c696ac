"""The one-pass parser (model nodes built as Lark reduces) equals the tree route."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl import parser as p
from procdsl.onepass import OnePass
from procdsl.parser import parse_source
from procdsl.prescan import prescan
from procdsl.source import SourceFile
from procdsl.transform import ToModel

from .strategies import spec_texts

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(path for folder in ("specs", "tests/fixtures", "tests/diagnostics",
                                   "tests/regressions", "bench/specs")
               for path in (ROOT / folder).rglob("*.proc"))


def _same_blocks(text: str) -> None:
    """Parse every block both ways; items, spans and diagnostics must be equal."""
    source = SourceFile.from_text("spec.proc", text)
    scan = prescan(source)
    fast = OnePass(p._parser())
    for block in scan.blocks:
        one = p._parse_block(source, block, scan.bad_lines, fast)
        tree = p._parse_block(source, block, scan.bad_lines, None)
        assert one == tree, block.text
        assert repr(one) == repr(tree)


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_every_spec_parses_the_same_both_ways(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    _same_blocks(text)
    source = SourceFile.from_text(path.name, text)
    assert parse_source(source) == parse_source(source, one_pass=False)


def test_synthetic_spec_parses_the_same_both_ways() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic import synthetic_spec

    source = SourceFile.from_text("synthetic.proc", synthetic_spec(100))
    assert parse_source(source) == parse_source(source, one_pass=False)


BROKEN = [
    "step a\n  by\n",                       # a syntax error: the tree route reports it
    "step a\n    by r\n  then b\n",          # a bad dedent
    "step a \"x\"\n  when (x > 1 -> b\n",   # an open bracket
    "step a\n  when " + " + ".join(["x"] * 150) + " > 0 -> end e\n",  # a long line
    "step a\n  when " + "not " * 600 + "x -> end e\n",  # too deep for the tree route
    "calendar c\n  hours 09:75-12:00\n  holidays 2026-02-30\n",  # method diagnostics
    "",
    "\n\n# only a comment\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_broken_and_odd_blocks_parse_the_same_both_ways(text: str) -> None:
    _same_blocks(text)
    source = SourceFile.from_text("odd.proc", text)
    assert parse_source(source) == parse_source(source, one_pass=False)


def test_valid_blocks_never_build_a_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tree(*args: object) -> None:
        raise AssertionError("the tree route was taken")

    monkeypatch.setattr(ToModel, "transform", no_tree)
    text = (ROOT / "bench" / "specs" / "sla20.proc").read_text(encoding="utf-8")
    result = parse_source(SourceFile.from_text("sla20.proc", text))
    assert result.spec is not None and not result.diagnostics


def test_resolve_skipping_plain_fields_equals_walking_every_field(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """resolve.py leaves out fields whose annotation holds nothing to resolve: no change."""
    from dataclasses import fields, is_dataclass

    from procdsl import resolve

    sources = [SourceFile.from_text(path.name, path.read_bytes().decode("utf-8", "replace"))
               for path in SPECS]
    skipping = [parse_source(s) for s in sources]
    monkeypatch.setattr(resolve, "_FIELDS", {})
    monkeypatch.setattr(resolve, "_field_names", lambda kind: tuple(
        f.name for f in fields(kind)) if is_dataclass(kind) else None)
    walking = [parse_source(s) for s in sources]
    assert skipping == walking
    assert resolve._field_names(resolve.m.Task) != ()  # the patch took


def test_resolve_walks_every_field_that_may_hold_a_name() -> None:
    from procdsl import model as m
    from procdsl.resolve import _field_names

    assert _field_names(m.Task) == ("extra_approvers", "sla", "routes", "for_each")
    assert _field_names(m.Route) == ("condition", "targets", "cap")
    assert _field_names(m.Assignee) == ()


@functools.cache
def _grammar_strategy() -> st.SearchStrategy[str]:
    """Text shaped by the grammar itself (as in test_robustness.py)."""
    from hypothesis.extra.lark import from_lark
    from lark import Lark

    lark = Lark(p.grammar_text(), parser="lalr", lexer="contextual")
    return from_lark(lark, start="start",
                     explicit={"_INDENT": st.just("  "), "_DEDENT": st.just("\n")})


def _same_both_ways(text: str) -> None:
    source = SourceFile.from_text("random.proc", text)
    one, tree = parse_source(source), parse_source(source, one_pass=False)
    assert one == tree
    assert repr(one.spec) == repr(tree.spec) and one.diagnostics == tree.diagnostics


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_texts())
def test_random_valid_specs_parse_the_same_both_ways(text: str) -> None:
    _same_both_ways(text)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_grammar_shaped_and_mutated_text_parses_the_same_both_ways(
        data: st.DataObject) -> None:
    text = data.draw(st.one_of(_grammar_strategy(), spec_texts()))
    pos = data.draw(st.integers(0, len(text)))
    piece = data.draw(st.sampled_from(["", "\t", "\"", "->", "(", "，", "  ", "\n", "由", "#",
                                       "x", ":", "..", "9", " not", " + 1"]))
    cut = data.draw(st.integers(0, 12))
    _same_both_ways(text[:pos] + piece + text[pos + cut:])
