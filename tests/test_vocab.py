"""The vocabulary (procdsl.vocabulary): one wording of kinds, numbers, conditions and units,
shared by diagnostics, diagram labels and the manual; and the check holes of issue 13."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from procdsl import vocabulary as v
from procdsl.compiler import check_text
from procdsl.kinds import AssigneeMode, TimeUnit
from procdsl.model import Assignee, Duration, Name
from procdsl.source import NO_SPAN

SRC = Path(__file__).resolve().parents[1] / "src" / "procdsl"


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(("value", "en", "zh", "written"), [
    (0, "0", "0", "0"),
    (5, "5", "5", "5"),
    (1000, "1,000", "1,000", "1000"),
    (12500, "12,500", "12,500", "12500"),
    (10000, "10,000", "1 万", "10000"),
    (1000000, "1,000,000", "100 万", "1000000"),
    (15000000, "15,000,000", "1,500 万", "15000000"),
    (300000000, "300,000,000", "3 亿", "300000000"),
    (-50000, "-50,000", "-5 万", "-50000"),
    (Decimal("1000.50"), "1,000.5", "1,000.5", "1000.5"),
    (Decimal("50000.00"), "50,000", "5 万", "50000"),
    (Decimal("0.25"), "0.25", "0.25", "0.25"),
])
def test_numbers_as_a_reader_writes_them(value: int | Decimal, en: str, zh: str,
                                         written: str) -> None:
    assert v.number(value, "en") == en
    assert v.number(value, "zh") == zh
    assert v.number(value, "zh", as_written=True) == written
    assert v.number(value, "en", as_written=True) == written


def test_durations_and_units() -> None:
    two = Duration(amount=Decimal(2), unit=TimeUnit.WORKDAYS, span=NO_SPAN)
    one = Duration(amount=Decimal(1), unit=TimeUnit.HOURS, span=NO_SPAN)
    assert v.duration(two, "zh") == "2 工作日"
    assert v.duration(two, "en") == "2 workdays"
    assert v.duration(one, "en") == "1 hour"
    for unit in TimeUnit:  # every unit has words in both languages
        assert v.unit_word(unit, 2, "zh") and v.unit_word(unit, 2, "en")


def test_display_width_counts_wide_characters_twice() -> None:
    assert v.display_width("审批ab") == 6
    assert v.display_width("abc") == 3
    assert v.display_width("") == 0


# ------------------------------------------------------------------ conditions

SPEC = """process p "P"
  lang en

roles
  clerk

data
  amount: money
  urgent: bool
  city: text

step s
  by clerk
  when amount >= 1000000 and not urgent -> end done
  when city == "Rome" or urgent -> end done
  otherwise -> end done

end done success
"""


def _conditions() -> list[Any]:
    unit = check_text("p.proc", SPEC.encode())
    assert unit.spec is not None
    return [unit.spec, *(r.condition for r in unit.spec.tasks[0].routes if r.condition)]


def test_one_condition_three_forms() -> None:
    spec, first, second = _conditions()
    # diagnostics quote the spec; diagram labels use the reader's numbers; the manual words it
    assert v.expression(first, "en", as_written=True) == "amount >= 1000000 and not urgent"
    assert v.expression(first, "en") == "amount >= 1,000,000 and not urgent"
    assert v.expression(first, "zh") == "amount >= 100 万 且 非 urgent"
    # a money field: its currency and the office's phrasing (an English spec names none)
    assert v.condition(first, spec, "en") == "amount is 1,000,000 or more and urgent is no"
    assert v.condition(first, spec, "zh") == "amount 100 万元（含）以上且 urgent 为否"
    assert v.expression(second, "en") == 'city == "Rome" or urgent'
    assert v.condition(second, spec, "en") == "city is “Rome” or urgent is yes"


def test_the_checks_show_conditions_as_the_spec_wrote_them() -> None:
    from procdsl.checks.exprs import show

    _, first, _ = _conditions()
    assert show(first, "en") == v.expression(first, "en", as_written=True)


# ------------------------------------------------------------------ kinds


def _assignee(mode: AssigneeMode, count: int | None = None) -> Assignee:
    if mode is AssigneeMode.RULE:
        return Assignee(mode=mode, roles=(), count=None, rule=Name(text="r", span=NO_SPAN),
                        span=NO_SPAN)
    roles = (Name(text="a", span=NO_SPAN), Name(text="b", span=NO_SPAN))
    return Assignee(mode=mode, roles=roles, count=count, rule=None, span=NO_SPAN)


@pytest.mark.parametrize("mode", list(AssigneeMode))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_diagram_and_the_manual_name_a_mode_alike(mode: AssigneeMode, lang: str) -> None:
    # the diagram shows the name, the manual the name and what it means: never two words
    a = _assignee(mode, 2 if mode is AssigneeMode.COUNT else None)
    if mode is AssigneeMode.RULE:  # the name adds the rule; the manual names it beside
        assert v.mode_name(a, lang).startswith(v.mode_text(a, lang))
    else:
        assert v.mode_text(a, lang).startswith(v.mode_name(a, lang))


def test_mode_words_follow_the_glossary() -> None:
    assert v.mode_text(_assignee(AssigneeMode.ALL), "zh") == "会签（须全部同意）"
    assert v.mode_text(_assignee(AssigneeMode.ANY), "zh") == "或签（任一人决定）"
    assert v.mode_text(_assignee(AssigneeMode.SEQUENCE), "zh") == "依次审批（按顺序逐一审批）"
    assert v.mode_name(_assignee(AssigneeMode.ALL), "en") == "all of (countersign)"
    assert v.mode_text(_assignee(AssigneeMode.COUNT, 2), "zh") == "2 人审批（须为不同人员）"


def test_english_prose_names_roles_by_their_titles() -> None:
    source = SPEC.replace("  clerk\n", "  clerk\n  department_head \"Head of department\"\n")
    unit = check_text("p.proc", source.encode())
    assert unit.spec is not None
    assert v.role_word(unit.spec, "department_head", "en") == "Head of department"
    assert v.role_word(unit.spec, "clerk", "en") == "clerk"  # no title: the name
    assert v.role_word(unit.spec, "department_head", "zh") == "department_head"


# ------------------------------------------------------------------ one place


def _defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def test_the_vocabulary_sits_below_checks_and_emitters() -> None:
    tree = ast.parse((SRC / "vocabulary.py").read_text(encoding="utf-8"))
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    assert found <= {None, "model", "kinds", "source"}, found


@pytest.mark.parametrize("name", ["display_width", "format_condition", "format_literal",
                                  "literal_text", "number_text", "format_number",
                                  "format_duration", "mode_word", "_number_en"])
def test_no_twin_of_a_vocabulary_function_in_checks_or_the_wording_emitters(name: str) -> None:
    owners = [p for p in (*SRC.glob("checks/*.py"), SRC / "diagnostics.py",
                          *(SRC / "emitters" / f for f in ("words.py", "facts.py",
                                                           "sentences.py", "markdown.py")))
              if name in _defined(p)]
    allowed = {SRC / "emitters" / "sentences.py"} if name == "literal_text" else set()
    assert set(owners) <= allowed, owners  # sentences.literal_text calls vocabulary.literal


# ------------------------------------------------------------------ the check holes


def _codes(source: str) -> list[str]:
    return [d.code for d in check_text("t.proc", source.encode()).diagnostics]


def test_a_spec_with_no_task_is_an_error() -> None:
    assert _codes('process p "x"\n') == ["PD310"]
    assert "PD310" not in _codes(SPEC)


NAMES = """process p "P"
  lang en

roles
  clerk

data
  {field}: int

step {step}
  by clerk
  then {appr}

approval {appr}
  by clerk
  approve -> end {end}
  reject -> end {end}
  {outcome} -> end {end}

end {end} success
"""


@pytest.mark.parametrize("slot", ["field", "step", "end", "outcome"])
def test_a_name_python_cannot_take_is_an_error(slot: str) -> None:
    names = {"field": "n", "step": "s", "appr": "a", "end": "done", "outcome": "ask"}
    names[slot] += "\u09f4"  # BENGALI CURRENCY NUMERATOR ONE: a \w character, not XID
    unit = check_text("t.proc", NAMES.format(**names).encode())
    found = [d for d in unit.diagnostics if d.code == "PD118"]
    assert len(found) == 1, [d.code for d in unit.diagnostics]
    assert "U+09F4" in found[0].message.en and "U+09F4" in found[0].message.zh
    assert found[0].span.line > 1


def test_names_python_folds_or_reserves_are_mapped_and_the_module_compiles() -> None:
    from procdsl.emitters.python import emit_python

    names = {"field": "ｎ", "step": "class", "appr": "ﬁnal", "end": "import", "outcome": "pass"}
    unit = check_text("t.proc", NAMES.format(**names).encode())
    assert unit.spec is not None, [d.code for d in unit.diagnostics]
    assert "PD118" not in [d.code for d in unit.diagnostics]
    compile(emit_python(unit.spec, lang="en"), "t.py", "exec")
