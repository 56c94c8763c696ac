"""The benchmark suite runs at its smoke size and prints every section's table; the
grammar cache it measures loads the same parser, and falls back when it cannot cache.

No timing is asserted here: the benchmark prints ratios measured in one run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from procdsl import grammar_cache
from procdsl.parser import Indenter, grammar_text

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "bench" / "specs" / "chain20.proc"
OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True,
           "maybe_placeholders": False}


@pytest.fixture(scope="module")
def smoke_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    env = dict(os.environ, PROCDSL_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("title", [
    "runtime: 20-step approval chain",
    "runtime: procdsl generated vs each peer",
    "runtime: other generated machines",
    "compiler: wall time of each phase",
    "compiler: each phase as a multiple of one regex pass",
    "compiler: time per step",
    "compiler: peak memory of each phase",
    "startup: wall time of a new process",
    "layout: Graphviz dot -Tsvg",
])
def test_smoke_prints_each_table(smoke_output: str, title: str) -> None:
    lines = smoke_output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"### {title}"))
    assert lines[at + 2].startswith("| ") and lines[at + 3].startswith("| ---")
    assert lines[at + 4].startswith("| "), "a table with no rows"


def test_smoke_drives_every_implementation_to_its_end(smoke_output: str) -> None:
    table = smoke_output.split("### runtime: 20-step approval chain", 1)[1].split("###", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")][2:]
    names = [row.split("|")[1].strip() for row in rows]
    assert any(n.startswith("transitions") for n in names)
    assert any(n.startswith("python-statemachine") for n in names)
    assert any(n.startswith("procdsl generated") for n in names)
    assert all(row.rstrip(" |").endswith("approved") for row in rows), rows


def test_smoke_compiler_sizes_and_no_timeouts(smoke_output: str) -> None:
    section = smoke_output.split("## compiler", 1)[1].split("## startup", 1)[0]
    assert "| 100 |" in section and "| 300 |" in section
    assert "stopped" not in section
    assert "the checks found 0 problems" in section


def _fresh(**extra: object) -> dict[str, object]:
    return dict(OPTIONS, postlex=Indenter(), **extra)


def test_cached_parser_parses_like_a_fresh_one(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from lark import Lark

    monkeypatch.setenv("PROCDSL_CACHE_DIR", str(tmp_path))
    grammar = grammar_text()
    first = grammar_cache.cached_lark(grammar, **_fresh())
    saved = grammar_cache.cache_path(grammar, _fresh())
    assert saved.is_file() and saved.parent == tmp_path
    loaded = grammar_cache.cached_lark(grammar, **_fresh())
    fresh = Lark(grammar, **_fresh())
    block = SPEC.read_text(encoding="utf-8").split("\n\n")[4] + "\n"
    assert block.startswith("approval s1")
    assert loaded.parse(block) == fresh.parse(block) == first.parse(block)


def test_cache_key_follows_grammar_and_options() -> None:
    grammar = grammar_text()
    key = grammar_cache.cache_key(grammar, _fresh())
    assert key == grammar_cache.cache_key(grammar, _fresh())  # postlex is not hashed
    assert key != grammar_cache.cache_key(grammar + "\n// changed\n", _fresh())
    assert key != grammar_cache.cache_key(grammar, _fresh(propagate_positions=False))


def test_unwritable_or_damaged_cache_falls_back(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("PROCDSL_CACHE_DIR", str(blocked / "cache"))
    grammar = grammar_text()
    block = "roles\n  clerk\n"
    assert grammar_cache.cached_lark(grammar, **_fresh()).parse(block) is not None
    monkeypatch.setenv("PROCDSL_CACHE_DIR", str(tmp_path / "ok"))
    path = grammar_cache.cache_path(grammar, _fresh())
    path.parent.mkdir()
    path.write_bytes(b"damaged\n\x80\x04garbage")
    parser = grammar_cache.cached_lark(grammar, **_fresh())
    assert parser.parse(block) is not None
    assert path.read_bytes() != b"damaged\n\x80\x04garbage"  # rebuilt and saved again


def test_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCDSL_CACHE_DIR", "off")
    monkeypatch.chdir(tmp_path)
    grammar_cache.cached_lark(grammar_text(), **_fresh())
    assert list(tmp_path.iterdir()) == []


def _rows(output: str, title: str) -> list[list[str]]:
    table = output.split(f"### {title}", 1)[1].split("###", 1)[0]
    lines = [line for line in table.splitlines() if line.startswith("| ")][2:]
    return [[cell.strip() for cell in line.strip(" |").split("|")] for line in lines]


def test_smoke_measures_the_pipeline_against_the_bare_lark_parse(smoke_output: str) -> None:
    for row in _rows(smoke_output, "compiler: each phase as a multiple of one regex pass"):
        summed, whole = row[-2:]  # the phases summed and the one-piece pipeline run
        assert summed.endswith("x") and float(summed[:-1]) > 0, row
        assert whole.endswith("x") and float(whole[:-1]) > 0, row


def test_smoke_draws_one_diagram_per_lane(smoke_output: str) -> None:
    for row in _rows(smoke_output, "layout: Graphviz dot -Tsvg"):
        lanes = row[4]  # "one diagram per lane (all lanes)"
        assert lanes.endswith(" s") and float(lanes[:-2]) > 0, row
