"""The manual reads back as the model: every item appears, routes match, tables hold.

The helpers here (fixtures, Markdown parsing, reading route sentences back) are shared
with the other test_manual_* files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from procdsl import model as m
from procdsl.compiler import check_text, compile_paths
from procdsl.emitters.markdown import emit_markdown, main_path
from procdsl.emitters.sentences import condition_sentence, task_title
from procdsl.plan import plan_of
from procdsl.vocabulary import action_clause, action_word, role_word, spoken

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MANUAL_FIXTURES = ("manual_en", "manual_zh", "manual_escape", "manual_supplier_onboarding",
                   "registration_zh")
PROCESSES = frozenset({"supplier_onboarding"})


def load(name: str) -> m.Spec:
    """Return the validated model of tests/fixtures/NAME.proc (path shown as relative)."""
    data = (FIXTURES / f"{name}.proc").read_bytes()
    unit = check_text(f"tests/fixtures/{name}.proc", data, PROCESSES)
    assert unit.spec is not None, [d.message for d in unit.diagnostics]
    return unit.spec


def all_specs() -> list[m.Spec]:
    """Return every manual fixture and every spec under specs/ (checked together)."""
    specs = [load(name) for name in MANUAL_FIXTURES]
    spec_files = sorted((ROOT / "specs").glob("**/*.proc"))
    specs += [u.spec for u in compile_paths(spec_files) if u.spec is not None]
    return specs


def manual(spec: m.Spec, lang: str | None = None) -> str:
    """Return the spec's manual in its own language (or lang)."""
    return emit_markdown(spec, lang=lang or spec.lang)


def parser() -> MarkdownIt:
    """Return a CommonMark parser with GFM tables."""
    return MarkdownIt("commonmark").enable("table")


def text_of(inline: Token) -> str:
    """Return what a reader sees in an inline token (escapes undone, <br> as newline)."""
    out = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or child.content == "<br>":
            out.append("\n")
        elif child.type == "html_inline":
            out.append(child.content)
    return "".join(out)


@dataclass
class StepText:
    """What the manual says about one step: heading and its route sentences."""

    number: str  # "3" on the main path, "E1" for an exception step
    label: str
    items: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)


def procedure_steps(markdown: str, procedure_heading: str) -> list[StepText]:
    """Return the numbered steps of the procedure section with their route sentences."""
    tokens = parser().parse(markdown)
    steps: list[StepText] = []
    in_section = in_next = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h2":
            in_section = text_of(tokens[i + 1]).endswith(procedure_heading)
        if not in_section:
            continue
        if tok.type == "heading_open" and tok.tag == "h3":
            head = re.match(r"(E?\d+)\. (.*)", text_of(tokens[i + 1]), re.S)
            if head:
                steps.append(StepText(head[1], head[2]))
            in_next = False
        elif tok.type == "inline" and steps and tokens[i - 1].type == "paragraph_open":
            level = tokens[i - 1].level
            text = text_of(tok)
            if level <= 2:  # a top-level fact line of the step
                steps[-1].items.append(text)
                in_next = text.startswith(("下一步", "Next"))
            elif in_next:
                steps[-1].routes.append(text)
    return steps


_STEP_REF = {"zh": re.compile(r"第 (E?\d+) 步「"), "en": re.compile(r"” \(step (E?\d+)\)")}
_END_REF = {"zh": re.compile(r"结果为「(.+?)」", re.S), "en": re.compile(r"ends with “(.+?)”",
                                                                       re.S)}
# a cap sentence: "自第 3 次退回起，改为……" or "……时，自第 3 次起改为……" / ", from the 3rd time on, "
_CAP = {"zh": re.compile(r"^自第 \d+ 次|，自第 \d+ 次起改为"),
        "en": re.compile(r", from the \d+(st|nd|rd|th) time on, ")}


def _action(task: m.Task, sentence: str, lang: str, cap: bool) -> str:
    for action in (*task.actions, "timeout"):
        word = re.escape(action_word(action, lang))
        if cap and lang == "zh" and re.match(rf"自第 \d+ 次 ?{word} ?起", sentence):
            return action  # a cap without a condition: '自第 3 次退回起，改为……'
        if sentence.startswith(action_clause(action, lang)):
            return action
    raise AssertionError(f"no action opens {sentence!r}")


def read_routes(spec: m.Spec, markdown: str, lang: str,
                procedure_heading: str) -> list[tuple[str, str, str, str]]:
    """Return (source, action, target, via) for every route sentence in the manual."""
    steps = procedure_steps(markdown, procedure_heading)
    by_number = {}
    for st in steps:
        matches = [t for t in spec.tasks if task_title(t) == st.label]
        assert len(matches) == 1, f"step heading {st.label!r} names no single task"
        by_number[st.number] = matches[0]
    ends = {e.label: e.name.text for e in spec.ends}
    found = []
    for st in steps:
        task = by_number[st.number]
        for sentence in st.routes:
            cap = bool(_CAP[lang].search(sentence))
            action = _action(task, sentence, lang, cap)
            via = "breach" if action == "timeout" else "cap" if cap else "route"
            targets = [by_number[n].name.text for n in _STEP_REF[lang].findall(sentence)]
            targets += [ends[label] for label in _END_REF[lang].findall(sentence)]
            assert targets, f"route sentence names no target: {sentence!r}"
            found += [(task.name.text, action, target, via) for target in targets]
    return found


# ------------------------------------------------------------------ the tests

import json  # noqa: E402
from collections import Counter  # noqa: E402

import pytest  # noqa: E402

from procdsl import flow  # noqa: E402
from procdsl.flow import flow_order  # noqa: E402

from .golden import assert_golden  # noqa: E402

SPECS = all_specs()
IDS = [s.path for s in SPECS]
LANGS = ("zh", "en")


def labels(lang: str) -> dict[str, str]:
    path = ROOT / "src/procdsl/emitters/templates/manual/labels.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))[lang])


def visible_text(markdown: str) -> str:
    """Return every inline text of the document as a reader sees it, one per line."""
    return "\n".join(text_of(t) for t in parser().parse(markdown) if t.type == "inline")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_routes_are_exactly_the_models_transitions(spec: m.Spec, lang: str) -> None:
    text = manual(spec, lang)
    found = read_routes(spec, text, lang, labels(lang)["procedure"])
    expected = [t.key() for t in flow.transitions(spec)]
    assert Counter(found) == Counter(expected)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_step_role_rule_row_and_document_appears(spec: m.Spec) -> None:
    text = visible_text(manual(spec))
    steps = procedure_steps(manual(spec), labels(spec.lang)["procedure"])
    main, exceptions = main_path(spec, plan_of(spec))
    assert {t.name.text for t in flow_order(spec)} == {t.name.text for t in main + exceptions}
    assert [s.label for s in steps] == [task_title(t) for t in main + exceptions]
    # the main path numbered 1, 2, 3... without gaps, then the exception steps E1, E2...
    assert [s.number for s in steps] == [str(i) for i in range(1, len(main) + 1)] + [
        f"E{i}" for i in range(1, len(exceptions) + 1)]
    zh = spec.lang == "zh"
    for task in spec.tasks:
        assert task_title(task) in text
        if zh:
            assert task.name.text in text
        for doc in (*task.inputs, *task.outputs):
            assert (doc.name if zh else spoken(doc.name)) in text
        for item in task.checklist:
            assert item in text
    for role in spec.roles:
        assert role_word(spec, role.name.text, spec.lang) in text
    for end in spec.ends:
        assert end.label in text


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_rule_row_is_a_table_row(spec: m.Spec) -> None:
    text = manual(spec)
    rows = [r for table in tables_with_header(text, labels(spec.lang)["no"]) for r in table]
    assert len(rows) == sum(len(rule.rows) for rule in spec.rules)
    conditions = [r[1] for r in rows]
    for rule in spec.rules:
        for row in rule.rows:
            if row.condition is not None:
                assert condition_sentence(row.condition, spec, spec.lang) in conditions


def tables_of(markdown: str) -> list[list[str]]:
    """Return every table row's cells as a reader sees them."""
    rows: list[list[str]] = []
    tokens = parser().parse(markdown)
    for i, tok in enumerate(tokens):
        if tok.type == "tr_open":
            rows.append([])
        if tok.type in ("th_open", "td_open"):
            rows[-1].append(text_of(tokens[i + 1]))
    return rows


def tables_with_header(markdown: str, first: str) -> list[list[list[str]]]:
    """Return the body rows of every table whose first header cell is first."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for row in tables_of(markdown):
        if row and row[0] == first:
            current = []
            tables.append(current)
        elif current is not None and row and row[0].isdigit():
            current.append(row)
        else:
            current = None
    return tables


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    assert cells[0] == "" and cells[-1] == "", f"row does not start and end with |: {line}"
    return cells[1:-1]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_table_has_the_same_number_of_cells_in_every_row(spec: m.Spec, lang: str) -> None:
    text = manual(spec, lang)
    lines = text.split("\n")
    tables = [t for t in parser().parse(text) if t.type == "table_open"]
    assert tables
    for table in tables:
        assert table.map is not None
        rows = [_split_row(line) for line in lines[table.map[0]:table.map[1]]]
        assert {len(r) for r in rows} == {len(rows[0])}, rows
    parsed = tables_of(text)
    assert sum(t.map[1] - t.map[0] - 1 for t in tables if t.map) == len(parsed)


def test_the_escape_fixtures_tables_keep_pipes_and_newlines_inside_cells() -> None:
    rows = tables_of(manual(load("manual_escape")))
    cells = {c for row in rows for c in row}
    assert "Form | A" in cells
    assert "a|b" in cells
    assert "1.0 | beta" in cells
    assert "“**value** | <v>”" in cells
    assert any(c.endswith(". Entry *now* | <i>x</i>") for c in cells)  # its own "1." left out


@pytest.mark.parametrize("name", MANUAL_FIXTURES)
def test_output_is_byte_identical_across_runs(name: str) -> None:
    runs = {emit_markdown(load(name), lang=lang, diagram="x.svg", mermaid="flowchart TD\n")
            for lang in ("zh", "en") for _ in range(2)}
    assert len(runs) == 2


def test_output_is_the_same_under_other_hash_seeds() -> None:
    import subprocess
    import sys

    code = ("from tests.test_manual import load, manual; import sys; "
            "sys.stdout.write(manual(load('manual_en')) + manual(load('manual_zh')))")
    outs = set()
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                             text=True, env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True)
        outs.add(run.stdout)
    assert len(outs) == 1
    assert outs == {manual(load("manual_en")) + manual(load("manual_zh"))}


@pytest.mark.parametrize("name", ["manual_zh", "manual_en"])
def test_golden_manual(name: str, update_golden: bool) -> None:
    spec = load(name)
    stem = spec.process.name.text
    mermaid = f"flowchart TD\n  start([{stem}]) --> done([end])\n"
    text = emit_markdown(spec, lang=spec.lang, diagram=f"{stem}.svg", mermaid=mermaid)
    assert_golden(ROOT / "tests" / "golden" / f"{name}.md", text, update_golden)


def test_first_line_is_the_generated_notice() -> None:
    text = manual(load("manual_en"))
    assert text.split("\n")[0] == ("<!-- generated by procdsl from tests/fixtures/manual_en.proc; "
                                   "do not edit, edit the spec instead -->")


def test_absent_purpose_and_scope_leave_no_empty_section_and_numbers_stay_in_order() -> None:
    text = manual(load("manual_supplier_onboarding"))
    heads = [text_of(tokens_after) for tokens_after in _h2_inlines(text)]
    assert not any("Purpose" in h or "Scope" in h for h in heads)
    assert [h.split(".")[0] for h in heads] == [str(i) for i in range(1, len(heads) + 1)]
    full = [text_of(t) for t in _h2_inlines(manual(load("manual_en")))]
    assert full[0] == "1. Purpose" and full[1] == "2. Scope"


def _h2_inlines(markdown: str) -> list[Token]:
    tokens = parser().parse(markdown)
    return [tokens[i + 1] for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.tag == "h2"]


def test_lang_overrides_the_specs_language() -> None:
    spec = load("manual_zh")
    english = manual(spec, "en")
    assert "## 7. Procedure" in english and "流程说明" not in english
    assert "If approved and 金额 is more than CNY 50,000 and 类别 is 设备, go to “总经理审批” " \
           "(step 3)." in english


def test_the_issues_example_sentences_appear() -> None:
    zh = visible_text(manual(load("manual_zh")))
    assert "通过后，金额超过 5 万元且类别为设备时，转至第 3 步「总经理审批」。" in zh
    en = visible_text(manual(load("manual_en")))
    assert ("If approved and amount is more than 50,000 and category is equipment, "
            "go to “GM approval” (step 3).") in en


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_forms_table_lists_every_input_and_output_once(spec: m.Spec) -> None:
    t = labels(spec.lang)
    rows = tables_of(manual(spec))
    start = next((i for i, r in enumerate(rows) if r[:1] == [t["document"]]), None)
    docs = list(dict.fromkeys(d.name if spec.lang == "zh" else spoken(d.name)
                              for task in spec.tasks for d in (*task.inputs, *task.outputs)))
    if start is None:
        assert not docs
        return
    listed = [r[0] for r in rows[start + 1: start + 1 + len(docs)]]
    assert sorted(listed) == sorted(docs)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_role_has_a_heading_and_a_raci_column(spec: m.Spec) -> None:
    tokens = parser().parse(manual(spec))
    h3 = [text_of(tokens[i + 1]) for i, tok in enumerate(tokens)
          if tok.type == "heading_open" and tok.tag == "h3"]
    raci_header = next(r for r in tables_of(manual(spec)) if r[0] == labels(spec.lang)["step"]
                       and len(r) > 1)
    for role in spec.roles:
        word = role_word(spec, role.name.text, spec.lang)
        assert any(h == word or h.startswith(word + ("（" if spec.lang == "zh" else " ("))
                   for h in h3)
        assert word in raci_header


def test_a_case_wide_return_cap_is_an_exception_of_the_manual() -> None:
    text = (FIXTURES / "runtime_org.proc").read_text(encoding="utf-8")
    for lang, said, done in (("en", "returned the most times allowed (2)", "cannot be returned"),
                             ("zh", "全程最多退回 2 次，次数已用尽", "不能再退回")):
        source = text.replace("  lang en", f"  lang {lang}", 1)
        unit = check_text("org.proc", source.encode(), processes=frozenset({"expense"}))
        assert unit.spec is not None, unit.diagnostics
        manual = emit_markdown(unit.spec, lang=lang)
        row = next(line for line in manual.splitlines() if said in line)
        assert done in row
        without = source.replace("  returns total at most 2 times\n", "")
        assert without != source
        plain = check_text("org.proc", without.encode(), processes=frozenset({"expense"}))
        assert plain.spec is not None and said not in emit_markdown(plain.spec, lang=lang)
