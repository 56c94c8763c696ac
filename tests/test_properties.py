"""Properties of every artifact over random valid specs (tests/strategies.py).

The Python imports cleanly in a fresh interpreter, Graphviz accepts the DOT, the
Markdown tables hold, the IR round-trips, the formatter keeps the model, and the
diagram, the code and the flow graph list the same transitions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit

from procdsl import model as m
from procdsl.compiler import check_text, compile_paths
from procdsl.emitters.dot import decode_key, emit_dot
from procdsl.emitters.ir import emit_ir, load_ir, to_data
from procdsl.emitters.markdown import emit_markdown
from procdsl.emitters.mermaid import emit_mermaid
from procdsl.emitters.python import emit_python
from procdsl.flow import transitions
from procdsl.formatter import format_text
from procdsl.plan import plan_of
from procdsl.source import Span

from .strategies import spec_texts

# CI runs a bounded budget; PROCDSL_FUZZ_EXAMPLES=5000 is the long run (docs/testing.md).
FUZZ = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "40"))
BATCH = 4  # specs per subprocess

PROPERTY = settings(max_examples=FUZZ, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
BATCHED = settings(PROPERTY, max_examples=max(1, FUZZ // BATCH))


def checked(text: str, path: str = "random.proc") -> m.Spec:
    """Return the model of a generated spec, failing with its diagnostics if it has errors."""
    unit = check_text(path, text.encode("utf-8"))
    assert unit.ok and unit.spec is not None, [str(d) for d in unit.diagnostics] + [text]
    return unit.spec


# ------------------------------------------------------------------ code and diagram

# Imports each generated module and prints its route table as JSON; nothing else may
# be printed, written or left behind.
_IMPORTER = textwrap.dedent("""
    import importlib.util, json, sys
    tables = []
    for i, path in enumerate(sys.argv[1:]):
        found = importlib.util.spec_from_file_location(f"generated_{i}", path)
        module = importlib.util.module_from_spec(found)
        sys.modules[found.name] = module
        found.loader.exec_module(module)
        keys = []
        for task in module.PROCESS.tasks:
            for route in task.routes:
                keys += [(task.name, route.action, t.name, "route") for t in route.targets]
                if route.cap_then is not None:
                    keys.append((task.name, route.action, route.cap_then.name, "cap"))
            for breach in task.sla.breaches if task.sla else ():
                if breach.target is not None:
                    keys.append((task.name, "timeout", breach.target.name, "breach"))
        tables.append(keys)
    sys.stdout.write(json.dumps(tables))
""")


def _import_all(modules: list[Path], cwd: Path) -> list[list[list[str]]]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-I", "-B", "-c", _IMPORTER, *map(str, modules)],
                            cwd=cwd, env=env, capture_output=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", result.stderr.decode()
    tables: list[list[list[str]]] = json.loads(result.stdout)
    return tables


def _graphviz_all(dots: list[Path]) -> list[dict[str, Any]]:
    if not dots:  # with no file, dot -O would read standard input and write noname.gv.*
        return []
    result = subprocess.run(["dot", "-Tsvg", "-Tjson", "-O", *map(str, dots)],
                            capture_output=True, timeout=600, check=False,
                            stdin=subprocess.DEVNULL, cwd=dots[0].parent)
    assert result.returncode == 0, result.stderr.decode()
    assert b"rror" not in result.stderr, result.stderr.decode()
    for dot in dots:
        assert dot.with_suffix(".dot.svg").read_bytes().rstrip().endswith(b"</svg>")
    return [json.loads(dot.with_suffix(".dot.json").read_text("utf-8")) for dot in dots]


def _drawn(layout: dict[str, Any]) -> Counter[tuple[str, ...]]:
    return Counter(decode_key(e["transition"]) for e in layout.get("edges", ())
                   if "transition" in e)


@BATCHED
@given(st.lists(spec_texts(), min_size=1, max_size=BATCH))
def test_code_imports_cleanly_dot_renders_and_all_three_agree(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="procdsl_props_") as tmp:
        root = Path(tmp)
        (root / "cwd").mkdir()
        specs = [checked(t, f"random_{i}.proc") for i, t in enumerate(texts)]
        modules, dots = [], []
        for i, spec in enumerate(specs):
            modules.append(root / f"gen_{i}.py")
            modules[-1].write_text(emit_python(spec, lang=spec.lang), encoding="utf-8")
            dots.append(root / f"gen_{i}.dot")
            dots[-1].write_text(emit_dot(spec, lang=spec.lang), encoding="utf-8")
        before = sorted(p.name for p in root.rglob("*"))
        tables = _import_all(modules, root / "cwd")
        assert sorted(p.name for p in root.rglob("*")) == before, "import left files behind"
        layouts = _graphviz_all(dots)
        for spec, table, layout in zip(specs, tables, layouts, strict=True):
            model = Counter(t.key() for t in transitions(spec))
            assert Counter(tuple(k) for k in table) == model
            # the diagram also draws withdraw, cancel and escalation (tests/test_fidelity.py)
            assert _drawn(layout) == Counter(plan_of(spec).route_keys())


# ------------------------------------------------------------------ manual


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _cells(line: str) -> list[str]:
    cells = escapedSplit(line.strip())
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return cells


@PROPERTY
@given(spec_texts(), st.sampled_from(("zh", "en")))
def test_manual_tables_have_the_same_columns_in_every_row(text: str, lang: str) -> None:
    spec = checked(text)
    manual = emit_markdown(spec, lang=lang, diagram="x.svg",
                           mermaid=emit_mermaid(spec, lang=lang))
    lines = manual.split("\n")
    tokens = _parser().parse(manual)
    tables = [t for t in tokens if t.type == "table_open" and t.map is not None]
    assert tables, "every manual has at least the roles table"
    in_tables: set[int] = set()
    for table in tables:
        assert table.map is not None
        start, end = table.map
        widths = {len(_cells(lines[n])) for n in range(start, end) if n != start + 1}
        assert widths == {len(_cells(lines[start]))}, lines[start:end]
        in_tables |= set(range(start, end))
    fenced = {n for t in tokens if t.type == "fence" and t.map for n in range(*t.map)}
    strays = [line for n, line in enumerate(lines)
              if line.startswith("|") and n not in in_tables | fenced]
    assert not strays, "a table row fell out of its table"


# ------------------------------------------------------------------ IR and formatter


def plain(node: Any) -> Any:
    """Return a node as nested tuples with typed values (spans as JSON spans, names as text)."""
    if isinstance(node, m.Name):
        return ("Name", node.text)
    if isinstance(node, Span):
        return ("Span", node.file, *node.to_json())
    if isinstance(node, tuple):
        return tuple(plain(x) for x in node)
    if hasattr(node, "__dataclass_fields__"):
        return (type(node).__name__,
                *((f, plain(getattr(node, f))) for f in node.__dataclass_fields__))
    return (type(node).__name__, node)


def without_spans(data: Any) -> Any:
    """Return IR data with every span left out."""
    if isinstance(data, dict):
        return {k: without_spans(v) for k, v in data.items() if k != "span"}
    if isinstance(data, list):
        return [without_spans(x) for x in data]
    return data


def test_ir_of_every_spec_in_specs_round_trips() -> None:
    paths = sorted((Path(__file__).parents[1] / "specs").glob("*.proc"))
    assert paths
    for unit in compile_paths(paths):
        assert unit.spec is not None, unit.path
        ir = emit_ir(unit.spec)
        assert plain(load_ir(ir)) == plain(unit.spec) and emit_ir(load_ir(ir)) == ir


def test_load_ir_refuses_another_schema_version() -> None:
    with pytest.raises(ValueError, match="schema_version 99"):
        load_ir('{"schema_version": 99, "source": "x.proc"}')


@PROPERTY
@given(spec_texts())
def test_ir_round_trips(text: str) -> None:
    spec = checked(text)
    ir = emit_ir(spec)
    loaded = load_ir(ir)
    assert plain(loaded) == plain(spec)
    assert emit_ir(loaded) == ir


# Found by this test: fmt once split a version into "2.3 . 1 - rc1" and a keyword into
# "make - up"; neither parsed again.
VERSIONED = ('process p\n  version 2.3.1-rc1  # c\n  calendar c\ncalendar c\n  workdays mon\n'
             '  make-up 2026-10-10\nroles\n  r\nstep a by r, sla 1 workday, then e\n'
             'end e success\n')


@PROPERTY
@given(spec_texts())
@example(VERSIONED)
def test_formatter_keeps_the_model_and_is_idempotent(text: str) -> None:
    spec = checked(text)
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    again = checked(formatted)
    for part in ("process", "calendars", "roles", "fields", "tasks", "rules", "ends"):
        assert without_spans(to_data(getattr(again, part))) == \
            without_spans(to_data(getattr(spec, part))), part
