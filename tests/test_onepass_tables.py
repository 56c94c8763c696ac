"""The one-pass tables saved in the grammar cache parse exactly as the ones read from Lark."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from procdsl import grammar_cache
from procdsl import parser as p
from procdsl.onepass import LarkTables, OnePass
from procdsl.prescan import prescan
from procdsl.source import SourceFile

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(path for folder in ("specs", "tests/fixtures", "tests/regressions", "bench/specs")
               for path in (ROOT / folder).rglob("*.proc"))


def _plain() -> dict[str, object]:
    """Return the tables as the cache gives them back (through marshal)."""
    tables = marshal.loads(marshal.dumps(LarkTables(p._parser()).plain()))
    assert isinstance(tables, dict)
    return tables


def test_saved_tables_parse_every_spec_as_lark_tables_and_the_tree_route() -> None:
    saved, lazy = OnePass(_plain()), OnePass(p._parser())
    for path in SPECS:
        source = SourceFile.from_text(path.name, path.read_bytes().decode("utf-8", "replace"))
        scan = prescan(source)
        for block in scan.blocks:
            one = p._parse_block(source, block, scan.bad_lines, saved)
            assert one == p._parse_block(source, block, scan.bad_lines, lazy), block.text
            assert one == p._parse_block(source, block, scan.bad_lines, None), block.text


def _resolved(row: dict[str, int], rules: dict[int, object]) -> dict[str, object]:
    return {symbol: action if action >= 0 else rules[-1 - action]
            for symbol, action in row.items()}


def test_plain_tables_read_lazily_equal_the_full_read() -> None:
    full = LarkTables(p._parser()).plain()
    lazy = LarkTables(p._parser())
    states, rules = full["states"], full["rules"]
    assert isinstance(states, dict) and isinstance(rules, dict)
    for state in sorted(states)[::7]:
        assert _resolved(lazy.states[state], lazy.rules) == _resolved(states[state], rules)
        lexers = full["lexers"]
        assert isinstance(lexers, dict)
        assert lazy.lexers[lazy.lexer_of[state]] == lexers[full["lexer_of"][state]]  # type: ignore[index]


def test_tables_round_trip_through_the_cache(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(grammar_cache.CACHE_ENV, str(tmp_path))
    grammar, options = p.grammar_text(), dict(p._OPTIONS)
    assert grammar_cache.load_tables(grammar, options) is None
    tables = LarkTables(p._parser()).plain()
    grammar_cache.save_tables(grammar, options, tables)
    assert grammar_cache.load_tables(grammar, options) == tables
    assert grammar_cache.load_tables(grammar + "\n// changed\n", options) is None
    path = grammar_cache.tables_path(grammar, options)
    path.write_bytes(path.read_bytes()[:1000])  # half written
    assert grammar_cache.load_tables(grammar, options) is None
    path.write_bytes(marshal.dumps(("another key", tables)))
    assert grammar_cache.load_tables(grammar, options) is None
    monkeypatch.setenv(grammar_cache.CACHE_ENV, "off")
    grammar_cache.save_tables(grammar, options, tables)
    assert grammar_cache.load_tables(grammar, options) is None


def test_a_warm_cache_checks_a_spec_without_loading_lark_s_parser(tmp_path: Path) -> None:
    code = ("import sys\nfrom procdsl import parser as p\n"
            "from procdsl.source import SourceFile\n"
            "text = open(sys.argv[1], encoding='utf-8').read()\n"
            "result = p.parse_source(SourceFile.from_text('a.proc', text))\n"
            "print(p._parser.cache_info().currsize, len(result.diagnostics))\n")
    env = {**os.environ, grammar_cache.CACHE_ENV: str(tmp_path)}
    spec = str(ROOT / "bench" / "specs" / "chain20.proc")
    runs = [subprocess.run([sys.executable, "-c", code, spec], env=env, check=True,
                           capture_output=True, text=True).stdout.split() for _ in range(2)]
    assert runs == [["1", "0"], ["0", "0"]]  # built and saved, then loaded without Lark
    assert len(list(tmp_path.glob("onepass-*.marshal"))) == 1
