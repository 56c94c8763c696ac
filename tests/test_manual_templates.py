"""Users override the manual's templates and words by name; the RACI rule holds."""

from __future__ import annotations

import json
from pathlib import Path

from procdsl import model as m
from procdsl.emitters.markdown import emit_markdown
from procdsl.vocabulary import role_word

from .test_manual import load, tables_of

TEMPLATES = Path(__file__).resolve().parents[1] / "src/procdsl/emitters/templates/manual"


def test_a_template_of_the_same_name_replaces_the_packaged_one(tmp_path: Path) -> None:
    (tmp_path / "revision.md.j2").write_text(
        "## {{ section.number }}. Changes\n\nVersion {{ process.version|md_inline }}: "
        "{{ process.label|md_inline }}\n", encoding="utf-8")
    text = emit_markdown(load("manual_en"), lang="en", templates=tmp_path)
    assert text.endswith("## 17. Changes\n\nVersion 2.0: Purchase request\n")
    assert "## 7. Procedure" in text  # the other templates are still the packaged ones


def test_a_step_template_override_sees_the_documented_context(tmp_path: Path) -> None:
    (tmp_path / "step.md.j2").write_text(
        "### {{ step.number }} {{ step.name }} {{ step.kind }} {{ step.routes|length }}\n",
        encoding="utf-8")
    text = emit_markdown(load("manual_en"), lang="en", templates=tmp_path)
    assert "### 2 manager_approval approval 5\n" in text


def test_labels_json_overrides_words_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "labels.json").write_text(json.dumps({"en": {"procedure": "How to do it"}}),
                                          encoding="utf-8")
    text = emit_markdown(load("manual_en"), lang="en", templates=tmp_path)
    assert "## 7. How to do it" in text
    assert "## 8. Approval authority" in text


def test_every_label_exists_in_both_languages() -> None:
    data = json.loads((TEMPLATES / "labels.json").read_text(encoding="utf-8"))
    assert set(data["zh"]) == set(data["en"])


def _raci() -> dict[tuple[str, str], str]:
    rows = tables_of(emit_markdown(load("manual_en"), lang="en"))
    header = next(r for r in rows if r[0] == "Step" and "Escalation" in r)
    body = rows[rows.index(header) + 1: rows.index(header) + 17]
    return {(row[0].split(". ", 1)[1], role): cell
            for row in body for role, cell in zip(header[1:-2], row[1:-2], strict=True)}


def test_raci_follows_the_documented_rule() -> None:
    raci = _raci()
    employee, manager, gm, cfo = ("Requesting employee", "Line manager", "General manager",
                                  "Chief financial officer")
    finance, procurement = "Finance department", "Procurement team"
    assert raci[("Submit purchase request", employee)] == "R/A"       # the one doer answers
    assert raci[("Manager approval", manager)] == "A"                 # by, on an approval
    assert raci[("Manager approval", gm)] == "I"                      # on breach notify
    assert raci[("GM approval", cfo)] == "R"                          # signs first in the chain
    assert raci[("GM approval", gm)] == "A"                           # the last word
    assert raci[("Finance review", finance)] == "R/(A)"                # a rule row, on its condition
    assert raci[("Finance review", gm)] == "(A)"                       # a rule row names gm
    assert raci[("Draft contract terms", finance)] == "I"             # notify on leave
    assert raci[("Pay the supplier", "supplier")] == "I"
    assert raci[("Confirm the service was delivered", manager)] == "R"   # by A, B
    assert raci[("Confirm the service was delivered", employee)] == "R/A"
    assert raci[("Onboard the supplier", procurement)] == ""          # a subprocess step
    # exactly one unconditional A on every row that has anyone responsible
    rows: dict[str, list[str]] = {}
    for (step, _), cell in raci.items():
        rows.setdefault(step, []).append(cell)
    for step, cells in rows.items():
        plain = [c for c in cells if "A" in c.split("/")]
        assert len(plain) <= 1, step
        if any(c for c in cells if "R" in c.split("/")) and not any("(A)" in c for c in cells):
            assert len(plain) == 1, step


# ------------------------------------------------------------------ fast paths


def test_role_duties_found_in_one_pass_match_a_scan_per_role() -> None:
    from procdsl.emitters.markdown import _Views, load_labels

    from .test_manual import all_specs

    for spec in all_specs():
        for lang in ("zh", "en"):
            v = _Views(spec, lang, load_labels(None, lang))
            for role in spec.roles:
                slow: dict[str, list[str]] = {"R": [], "A": [], "C": [], "I": [], "T": []}
                for task in v.order:
                    for letter in v.raci(task).get(role.name.text, "").split("/"):
                        if letter == "A" and task.kind is not m.TaskKind.APPROVAL:
                            continue
                        if letter == "R" and task.kind is m.TaskKind.APPROVAL:
                            letter = "A"
                        if letter and v.short(task) not in slow[letter.strip("()")]:
                            slow[letter.strip("()")].append(v.short(task))
                    word = role_word(spec, role.name.text, lang)
                    if v.escalations(task) and word in v.escalations(task).split(v.sep):
                        slow["T"].append(v.short(task))
                fast = v.duties().get(role.name.text) or {"R": [], "A": [], "C": [], "I": [], "T": []}
                assert fast == slow, (spec.path, role.name.text)


def test_words_read_as_keys_or_attributes_and_unknown_words_stay_errors(tmp_path: Path) -> None:
    import jinja2
    import pytest

    from procdsl.emitters.markdown import Words

    words = Words({"colon": ":", "items": "x", "a b": "y"})
    assert words.colon == words["colon"] == ":" and isinstance(words, dict)
    assert callable(words.items)  # dict methods first, as Jinja reads any dict
    assert words == {"colon": ":", "items": "x", "a b": "y"}
    with pytest.raises(AttributeError):
        _ = words.nothing
    (tmp_path / "revision.md.j2").write_text("{{ t.no_such_word }}\n", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        emit_markdown(load("manual_en"), lang="en", templates=tmp_path)


def test_a_templates_folder_is_read_again_on_every_call(tmp_path: Path) -> None:
    spec = load("manual_en")
    packaged = emit_markdown(spec, lang="en")
    (tmp_path / "revision.md.j2").write_text("## {{ section.number }}. One\n", encoding="utf-8")
    assert emit_markdown(spec, lang="en", templates=tmp_path).endswith("## 17. One\n")
    (tmp_path / "revision.md.j2").write_text("## {{ section.number }}. Two\n", encoding="utf-8")
    assert emit_markdown(spec, lang="en", templates=tmp_path).endswith("## 17. Two\n")
    assert emit_markdown(spec, lang="en") == packaged  # the cached packaged templates


def test_emitting_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    from procdsl.emitters.python import emit_python

    spec = load("manual_en")
    was = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            emit_markdown(spec, lang="zh")
            emit_python(spec, lang="en")
            assert gc.isenabled() is state
    finally:
        (gc.enable if was else gc.disable)()


def test_the_inlined_step_template_gives_the_same_manual_as_the_included_one(
        tmp_path: Path) -> None:
    """With no --templates the packaged step template is inlined into the procedure one;
    a folder holding copies of both makes the manual include it as written."""
    import shutil

    from procdsl.emitters.jinja import packaged_environment
    from procdsl.emitters.markdown import _INLINED, _filters

    from .test_manual import all_specs

    env = packaged_environment("manual", _filters("en"), _INLINED)
    assert env.loader is not None
    assert 'include "step.md.j2"' not in env.loader.get_source(env, "procedure.md.j2")[0]
    for name in ("procedure.md.j2", "step.md.j2"):
        shutil.copy(TEMPLATES / name, tmp_path / name)
    from procdsl.compiler import check_text

    fixtures = [check_text(p.name, p.read_bytes()).spec
                for p in sorted((Path(__file__).parent / "fixtures").glob("*.proc"))]
    for spec in all_specs() + [f for f in fixtures if f is not None]:
        for lang in ("zh", "en"):
            assert emit_markdown(spec, lang=lang) == emit_markdown(spec, lang=lang,
                                                                   templates=tmp_path), spec.path
