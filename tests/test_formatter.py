"""The formatter: canonical, idempotent, comment-preserving, and model-preserving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.compiler import check_text
from procdsl.emitters.ir import to_data
from procdsl.formatter import format_text
from procdsl.parser import parse_source
from procdsl.source import SourceFile

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.proc")) + sorted((ROOT / "tests" / "fixtures").glob("*.proc"))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in SPECS}


def strip_spans(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list):
        return [strip_spans(v) for v in value]
    return value


def model_of(text: str) -> Any:
    result = parse_source(SourceFile.from_text("x.proc", text))
    assert result.spec is not None
    assert not [d for d in result.diagnostics if d.severity.value == "error"]
    s = result.spec
    return strip_spans([to_data(x) for x in (s.process, s.calendars, s.roles, s.fields,
                                              s.tasks, s.rules, s.ends)])


def parses(text: str) -> bool:
    result = parse_source(SourceFile.from_text("x.proc", text))
    return result.spec is not None and not any(
        d.severity.value == "error" for d in result.diagnostics)


def test_every_spec_keeps_its_model_and_is_idempotent() -> None:
    assert SPECS
    for path in SPECS:
        text = path.read_text(encoding="utf-8")
        if not parses(text):
            continue
        formatted = format_text(text)
        assert model_of(formatted) == model_of(text), path.name
        assert format_text(formatted) == formatted, path.name


def test_comments_are_kept() -> None:
    text = ("# top comment\nprocess p \"P\"  # trailing\n    lang en\n\n\n\n# before roles\n"
            "roles\n    staff   # the only one\n")
    out = format_text(text)
    assert out == ("# top comment\nprocess p \"P\"  # trailing\n  lang en\n\n# before roles\n"
                   "roles\n  staff  # the only one\n")


def test_spacing_is_canonical() -> None:
    text = ("step s\n   by  a ,b\n   when  n>-5 and(x  in(a,b))->end  y\n   sla 2 days\n"
            "      remind at 75%\n")
    assert format_text(text) == ("step s\n  by a, b\n  when n > -5 and (x in (a, b)) -> end y\n"
                                 "  sla 2 days\n    remind at 75%\n")


def test_calendar_tokens_stay_whole() -> None:
    text = "calendar c\n  hours 09:00-12:00 , 13:00-18:00\n  holidays 2026-10-01..2026-10-07\n"
    assert format_text(text) == ("calendar c\n  hours 09:00-12:00, 13:00-18:00\n"
                                 "  holidays 2026-10-01..2026-10-07\n")


_SPACES = st.sampled_from([" ", "  ", "   "])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_respacing_a_spec_formats_back_to_the_same_model(data: st.DataObject) -> None:
    """Random extra spaces and blank lines never change the formatted model."""
    name = data.draw(st.sampled_from(sorted(n for n, t in TEXTS.items() if parses(t))))
    text = TEXTS[name]
    lines = text.split("\n")
    indent_unit = data.draw(st.sampled_from([2, 3, 4]))
    out = []
    for line in lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        body = line.strip(" ")
        if body and not body.startswith("#") and '"' not in body:
            body = body.replace(" ", data.draw(_SPACES)).replace(", ", ",")
        out.append(" " * (indent_unit * depth) + body)
        if data.draw(st.booleans()) and data.draw(st.booleans()):
            out.append("")
    mutated = "\n".join(out)
    if not parses(mutated):
        return
    assert model_of(format_text(mutated)) == model_of(text)
    assert format_text(format_text(mutated)) == format_text(mutated)


def test_unit_check_passes_after_format() -> None:
    fixture = ROOT / "tests" / "fixtures" / "registration_zh.proc"
    unit = check_text("f.proc", format_text(fixture.read_text("utf-8")).encode())
    assert unit.ok


def test_committed_specs_are_in_canonical_layout() -> None:
    for path in sorted((ROOT / "specs").glob("*.proc")):
        text = path.read_text(encoding="utf-8")
        assert format_text(text) == text, f"run: procdsl fmt {path.relative_to(ROOT)}"


def test_blank_line_between_opening_comment_and_header_is_kept() -> None:
    text = "# about\n# this\n\nprocess p \"P\"\n  lang en\n"
    assert format_text(text) == text


def test_sign_after_chinese_comparison_word() -> None:
    assert format_text("step s\n  如果 金额 大于 - 5 -> x\n") == "step s\n  如果 金额 大于 -5 -> x\n"
