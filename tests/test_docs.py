"""Docs that must not drift: every diagnostic code documented with a real example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from procdsl.compiler import check_text
from procdsl.diagnostics import CODES, render_full

from .golden import assert_golden

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "diagnostics").glob("*.proc"))


def codes_used_in_src() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "procdsl").rglob("*.py"):
        found.update(re.findall(r"\"(PD\d{3})\"", path.read_text(encoding="utf-8")))
    return found


def test_every_code_used_is_registered() -> None:
    assert codes_used_in_src() <= set(CODES)


def test_every_registered_code_is_used_and_has_a_case() -> None:
    cased = {p.name.split("_")[0] for p in CASES}
    assert set(CODES) <= codes_used_in_src()
    assert set(CODES) <= cased, sorted(set(CODES) - cased)


def _example(case: Path, code: str) -> tuple[str, str]:
    rel = f"{case.name}"
    unit = check_text(rel, case.read_bytes())
    diag = next(d for d in unit.diagnostics if d.code == code)
    lang = unit.lang
    return lang, render_full(diag, unit.sources, lang)


def render_doc() -> str:
    families = [("PD0", "Reading the file and syntax / 文件与语法"),
                ("PD1", "Declarations / 声明"), ("PD2", "References / 引用"),
                ("PD3", "Flow / 流程结构"), ("PD4", "Conditions and types / 条件与类型"),
                ("PD5", "Rule tables / 规则表"), ("PD6", "Time and calendars / 时限与日历"),
                ("PD7", "Controls / 内部控制")]
    out = ["<!-- This file is generated from procdsl.diagnostics.CODES and the cases in",
           "     tests/diagnostics/ by `pytest tests/test_docs.py --update-golden`. -->", "",
           "# Diagnostics / 诊断信息", "",
           "Every problem procdsl reports has a stable code. `procdsl check` shows it with the",
           "file, line and column, the line itself with a caret under the culprit, and a hint.",
           "Messages are in Chinese for `lang zh` specs and in English otherwise (`--lang`",
           "overrides); `--format short` gives one line per problem and `--format json` a",
           "document for editors and CI. Errors stop the build of that spec; warnings do not",
           "(unless `--strict`).", "",
           "Each example below is a real case from `tests/diagnostics/` and its real output.", ""]
    for prefix, title in families:
        out += [f"## {title}", ""]
        for code, info in CODES.items():
            if not code.startswith(prefix):
                continue
            case = next(p for p in CASES if p.name.startswith(code + "_"))
            lang, text = _example(case, code)
            out += [f"### {code}: {info.summary.en}", "",
                    f"{info.summary.zh}. Severity: {info.severity.value}. "
                    f"Example: `tests/diagnostics/{case.name}`", "",
                    "```text", text, "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def test_diagnostics_doc_is_current(update_golden: bool, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    monkeypatch.chdir(ROOT / "tests" / "diagnostics")  # calendar files beside the cases
    assert_golden(ROOT / "docs" / "diagnostics.md", render_doc(), update_golden)


def test_ir_doc_names_every_node_and_field() -> None:
    import dataclasses

    from procdsl import model

    doc = (ROOT / "docs" / "ir.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^#|\Z)", doc, re.S | re.M))
    for name, cls in vars(model).items():
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or \
                cls.__module__ != model.__name__ or name in ("Spec", "Name"):
            continue
        assert name in sections, f"docs/ir.md has no section for {name}"
        for f in dataclasses.fields(cls):
            if f.name != "span":
                assert f"`{f.name}`" in sections[name], f"{name}.{f.name} undocumented"
