"""Tests of the Python emitter: clean under mypy --strict and ruff, deterministic, safe."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.compiler import check_text
from procdsl.emitters import GENERATED_MARK
from procdsl.emitters.python import (
    WIDTH,
    Call,
    Namer,
    _fit,
    _fits,
    _flat,
    _flat_within,
    _width,
    emit_python,
    render,
)
from procdsl.flow import transitions

from .test_runtime_helpers import ROOT_DIR, RUNTIME_SPECS, module_of, source_of, spec_of

TRICKY = '''process tricky "A \\"quoted\\" title \\\\ with ''' + "'''" + ''' and \\\\n"
  version "1.0\\"'"
  lang en

roles
  class
  None

data
  import: int
  _hidden: bool
  bool: bool
  name: enum(value, name, 甲)

step def "step called def"
  by class
  when import > 2 and name == 甲 -> return
  otherwise -> end print

step return
  by None
  when bool -> end @LONG@
  otherwise -> end print

end print success

end @LONG@ "@TITLE@" failure
'''.replace("@LONG@", "一个名字非常非常长的结束" * 4).replace("@TITLE@", "很长的标题" * 9)


def test_generated_code_passes_mypy_strict_and_ruff(tmp_path: Path) -> None:
    """Every fixture, every spec in specs/ and a spec full of awkward names."""
    for name in RUNTIME_SPECS:
        (tmp_path / f"gen_{name}.py").write_text(source_of(name), encoding="utf-8")
    (tmp_path / "gen_tricky.py").write_text(_tricky_source(), encoding="utf-8")
    for index, path in enumerate(sorted((ROOT_DIR / "specs").glob("*.proc"))):
        unit = check_text(path.relative_to(ROOT_DIR).as_posix(), path.read_bytes())
        assert unit.spec is not None, path
        text = emit_python(unit.spec, lang=unit.spec.lang)
        (tmp_path / f"gen_spec_{index}.py").write_text(text, encoding="utf-8")
    files = sorted(str(p) for p in tmp_path.glob("gen_*.py"))
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--cache-dir", str(tmp_path / ".mypy"), *files],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                           str(ROOT_DIR / "pyproject.toml"), *files],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def _tricky_source() -> str:
    unit = check_text("odd dir/tricky\"name.proc", TRICKY.encode())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    return emit_python(unit.spec, lang="en")


def test_user_text_reaches_code_only_as_literals(tmp_path: Path) -> None:
    path = tmp_path / "gen_tricky.py"
    path.write_text(_tricky_source(), encoding="utf-8")
    found = importlib.util.spec_from_file_location("gen_tricky", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules["gen_tricky"] = module
    found.loader.exec_module(module)
    title = 'A "quoted" title \\ with \'\'\' and \\n'
    assert module.__doc__ == f'tricky: {title} (version 1.0"\')'
    assert [s.value for s in module.Step] == ["def", "return"]
    assert {"import_", "n__hidden", "bool_", "name"} <= set(module.Data.__slots__)
    case = module.WORKFLOW.start(_actor("class"), {"import": 3, "name": "甲"}, _now())
    case.act("def", "complete", _actor("class"), _now())
    assert case.active == ("return",)


def _actor(role: str) -> object:
    from procdsl.runtime import Actor

    return Actor.of("someone", role)


def _now() -> object:
    import datetime as dt

    return dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def test_header_marks_the_file_as_generated() -> None:
    for name in RUNTIME_SPECS:
        head = "\n".join(source_of(name).splitlines()[:3])
        assert GENERATED_MARK in head and f"{name}.proc" in head


def test_output_is_the_same_bytes_under_different_hash_seeds() -> None:
    code = ("import sys; sys.path.insert(0, 'tests'); from pathlib import Path; "
            "from procdsl.compiler import check_text; "
            "from procdsl.emitters.python import emit_python; "
            "u = check_text('tests/fixtures/runtime_approvals.proc', "
            "Path('tests/fixtures/runtime_approvals.proc').read_bytes()); "
            "sys.stdout.write(emit_python(u.spec, lang='en'))")
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT_DIR,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert outputs == {source_of("runtime_approvals")}


def test_each_route_carries_its_source_line() -> None:
    source = source_of("registration_zh")
    assert "# from registration_zh.proc:47" in source
    routes = sum(len(t.routes) for t in spec_of("registration_zh").tasks)
    assert source.count("# from registration_zh.proc:") == routes == 11


def test_generated_transitions_match_the_flow_graph() -> None:
    for name in RUNTIME_SPECS:
        table = module_of(name).PROCESS
        found = set()
        for task in table.tasks:
            for route in task.routes:
                found |= {(task.name, route.action, t.name, "route") for t in route.targets}
                if route.cap_then is not None:
                    found.add((task.name, route.action, route.cap_then.name, "cap"))
            for breach in task.sla.breaches if task.sla else ():
                if breach.target is not None:
                    found.add((task.name, "timeout", breach.target.name, "breach"))
        assert found == {t.key() for t in transitions(spec_of(name))}, name


def test_guards_evaluate_the_conditions_on_the_data_class() -> None:
    module = module_of("registration_zh")
    rule = module.PROCESS.rules[0]
    small_guard, big_guard = rule.rows[0][0], rule.rows[1][0]
    data = module.Data(金额=Decimal(500), 风险等级="中")
    assert small_guard(data) and not big_guard(data)
    data = module.Data(金额=Decimal(500), 风险等级="高")
    assert not small_guard(data)
    assert big_guard(module.Data(金额=Decimal(10000)))


@pytest.mark.parametrize(("names", "expected"), [
    (["审批", "信息录入"], ["审批", "信息录入"]),
    (["class", "class_", "class__"], ["class_", "class__", "class___"]),
    (["match", "_x", "__init__"], ["match_", "n__x", "n___init__"]),
    (["ﬁle", "file", "a-b"], ["n_xfb01le", "file", "n_ax2db"]),
    (["name", "value"], ["name_", "value_"]),
])
def test_namer_makes_distinct_valid_identifiers(names: list[str], expected: list[str]) -> None:
    namer = Namer(frozenset({"name", "value"}))
    made = [namer(n) for n in names]
    assert made == expected
    assert all(m.isidentifier() for m in made) and len(set(made)) == len(made)
    assert namer(names[0]) == made[0], "asked again, same identifier"


CONDITIONS = '''process conds "Every kind of condition"
  version 1
  lang en

roles
  clerk

data
  n: int
  price: money
  flag: bool
  kind: enum(a, b, c)
  due: date
  note: text

step s
  by clerk
  when n * 2 - 1 > 5 and not flag -> end one
  when -n < -100 or price >= 10.5 -> end two
  when kind not in (a, b) and due < 2026-10-01 -> end three
  when note == "x\\"y" -> end four
  otherwise -> end five

end one success
end two success
end three success
end four success
end five success
'''


def test_every_kind_of_condition_compiles_to_the_same_meaning(tmp_path: Path) -> None:
    import datetime as dt

    unit = check_text("conds.proc", CONDITIONS.encode())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    path = tmp_path / "gen_conds.py"
    path.write_text(emit_python(unit.spec, lang="en"), encoding="utf-8")
    found = importlib.util.spec_from_file_location("gen_conds", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules["gen_conds"] = module
    found.loader.exec_module(module)
    guards = [r.guard for r in module.PROCESS.tasks[0].routes[:4]]
    late = dt.date(2026, 12, 1)
    cases = [
        (dict(n=4), [True, False, False, False]),
        (dict(n=4, flag=True), [False, False, False, False]),
        (dict(n=101), [True, True, False, False]),
        (dict(price=Decimal("10.5")), [False, True, False, False]),
        (dict(kind="c", due=dt.date(2026, 9, 30)), [False, False, True, False]),
        (dict(kind="c", due=late), [False, False, False, False]),
        (dict(note='x"y'), [False, False, False, True]),
    ]
    for values, expected in cases:
        data = module.Data(**{"due": late, **values})
        assert [g(data) for g in guards] == expected, values
    source = path.read_text("utf-8")
    assert "return d.n * 2 - 1 > 5 and not d.flag" in source
    assert "return -d.n < -100 or d.price >= _D10_5" in source
    assert "_D10_5 = _decimal.Decimal('10.5')" in source
    assert "eval(" not in source and "exec(" not in source


# ------------------------------------------------------------------ layout fast paths

def _slow_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _slow_render(node: Call | str, indent: int, tail: str = "") -> list[str]:
    """render() as it was before the fast paths: build the whole flat line, then measure it."""
    pad = " " * indent
    if isinstance(node, str):
        return [pad + node + tail]
    lines = [pad + "# " + node.comment] if node.comment else []
    flat = _flat(node)
    commented = any(isinstance(a, Call) and (a.comment or _slow_commented(a)) for a in node.args)
    if not commented and _slow_width(pad + flat + tail) <= WIDTH:
        return lines + [pad + flat + tail]
    lines.append(pad + node.prefix + node.func + "(")
    for arg in node.args:
        lines.extend(_slow_render(arg, indent + 4, ","))
    lines.append(pad + ")" + tail)
    return lines


def _slow_commented(node: Call) -> bool:
    return any(isinstance(a, Call) and (a.comment or _slow_commented(a)) for a in node.args)


_TEXT = st.text(st.sampled_from("ab_'\"(,) 甲审批ｗ\u0378é"), max_size=40)
_NODES = st.recursive(
    _TEXT,
    lambda kids: st.builds(Call, st.sampled_from(["", "f", "_rt.TaskDef", "x" * 60]),
                           st.lists(kids, max_size=6), st.sampled_from(["", "", "note"]),
                           st.sampled_from(["", "", "routes="])),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, limit=st.integers(-2, 120))
def test_fits_agrees_with_the_width_of_each_character(text: str, limit: int) -> None:
    assert _width(text) == _slow_width(text)
    assert _fits(text, limit) == (_slow_width(text) <= limit)


@settings(max_examples=300, deadline=None)
@given(node=_NODES, room=st.integers(-5, 150))
def test_flat_within_stops_early_but_agrees_with_flat(node: Call | str, room: int) -> None:
    flat = _flat(node)
    assert _flat_within(node, room) == (flat if len(flat) <= room else None)


@settings(max_examples=300, deadline=None)
@given(node=_NODES, indent=st.integers(0, 90), tail=st.sampled_from(["", ","]))
def test_render_lays_out_as_before_the_fast_paths(node: Call | str, indent: int,
                                                  tail: str) -> None:
    assert render(node, indent, tail) == _slow_render(node, indent, tail)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from("ab 甲审x'"), max_size=120), end=st.sampled_from(["", "\n"]))
def test_fit_marks_exactly_the_lines_wider_than_the_width(text: str, end: str) -> None:
    line = text + end
    wide = _slow_width(text) > WIDTH
    assert _fit(line) == (text + "  # noqa: E501" + end if wide else line)


MONEY = '''process money "Money"
  lang en

roles
  clerk

data
  amount: money
  n: int

step s
  by clerk
  when amount >= 500000 and n > 3 -> end big
  when amount > 0.5 and amount < 10 -> end small
  otherwise -> end other

end big success
end small success
end other success
'''


def test_numbers_compared_with_money_are_decimal_constants_made_once(tmp_path: Path) -> None:
    from decimal import Decimal

    unit = check_text("money.proc", MONEY.encode())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    source = emit_python(unit.spec, lang="en")
    assert "return d.amount >= _D500000 and d.n > 3" in source  # the int field keeps its int
    assert "return d.amount > _D0_5 and d.amount < _D10" in source
    assert source.count("_D10 = _decimal.Decimal('10')") == 1
    path = tmp_path / "gen_money.py"
    path.write_text(source, encoding="utf-8")
    found = importlib.util.spec_from_file_location("gen_money", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules["gen_money"] = module
    found.loader.exec_module(module)
    big, small = (r.guard for r in module.PROCESS.tasks[0].routes[:2])
    assert big(module.Data(amount=Decimal(500000), n=4))
    assert not big(module.Data(amount=Decimal("499999.99"), n=4))
    assert not big(module.Data(amount=Decimal(500000), n=3))
    assert small(module.Data(amount=Decimal("0.51"))) and not small(module.Data(amount=Decimal("0.5")))
    assert not small(module.Data(amount=Decimal(10)))
