"""Diagnostics as data, and the one place that renders them for people and tools."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from .source import SourceFile, Span
from .vocabulary import display_width


class Severity(str, Enum):
    """How bad a diagnostic is: errors block output, warnings do not (unless --strict)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Text:
    """A message in both languages procdsl speaks; the renderer picks one."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        """Return the message in ``lang`` ('zh' or anything else for English)."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True)
class Code:
    """A stable diagnostic code with its default severity and a one-line summary."""

    code: str
    severity: Severity
    summary: Text


def _code(code: str, severity: Severity, en: str, zh: str) -> Code:
    return Code(code, severity, Text(en, zh))


E, W = Severity.ERROR, Severity.WARNING

# Every code procdsl can report. docs/diagnostics.md documents each one; a test keeps
# this table, the codes used in src/ and the document in step.
CODES: dict[str, Code] = {c.code: c for c in (
    # input and syntax
    _code("PD001", E, "the file is not UTF-8 text", "文件不是 UTF-8 文本"),
    _code("PD002", E, "tab used for indentation or spacing", "使用了制表符 (Tab)"),
    _code("PD003", E, "string not closed on its line", "字符串缺少结尾引号"),
    _code("PD004", E, "full-width punctuation where ASCII is needed", "在需要半角符号处使用了全角符号"),
    _code("PD005", E, "indentation does not match any outer block", "缩进与外层块不一致"),
    _code("PD006", E, "the spec is too large or too deeply nested", "规格文件过大或嵌套过深"),
    _code("PD007", E, "a character that has no meaning here", "无法识别的字符"),
    _code("PD008", E, "unexpected word or symbol (syntax error)", "语法错误：出现了不应出现的内容"),
    _code("PD009", E, "the line ends too early", "这一行不完整"),
    _code("PD010", E, "unknown time unit", "未知的时间单位"),
    _code("PD011", E, "the spec is empty", "规格文件为空"),
    # declarations
    _code("PD101", E, "a name is declared twice", "名称重复定义"),
    _code("PD102", E, "no process header", "缺少流程头 (process)"),
    _code("PD103", E, "more than one process header", "流程头重复"),
    _code("PD104", E, "a setting is given twice", "同一设置重复出现"),
    _code("PD105", E, "unknown language", "未知的语言"),
    _code("PD106", E, "an item that does not belong in this kind of task", "该条目不适用于此类任务"),
    _code("PD107", E, "a task has no performer", "任务未指定办理角色"),
    _code("PD108", E, "an approval mode that needs several approvers has one", "审批方式与审批人数不符"),
    _code("PD109", E, "conflicting routing lines in one task", "同一任务中的路由方式互相冲突"),
    _code("PD110", E, "an outcome is routed twice", "同一结果被路由了两次"),
    _code("PD112", W, "a declared role, field or rule is never used", "声明的角色、字段或规则未被使用"),
    _code("PD113", E, "bad number in a count", "数量不合理"),
    _code("PD114", E, "a custom outcome that looks like a misspelt keyword", "自定义结果疑似关键字拼写错误"),
    _code("PD115", W, "a role named like the requester keyword", "角色名与“发起人”关键字相同"),
    _code("PD116", E, "a character no diagram or manual can show", "图和手册无法显示的字符"),
    _code("PD117", E, "a title or name too long for a diagram", "标题或名称过长，图中无法容纳"),
    _code("PD118", E, "a name that cannot become a Python name", "名称无法用作 Python 标识符"),
    # references
    _code("PD201", E, "a route goes to a step that does not exist", "路由指向不存在的步骤"),
    _code("PD202", E, "a role that was not declared", "未声明的角色"),
    _code("PD203", E, "a field that was not declared in data", "未在 data 中声明的字段"),
    _code("PD204", E, "a rule that does not exist", "规则不存在"),
    _code("PD205", E, "a calendar that does not exist", "日历不存在"),
    _code("PD206", E, "a subprocess that does not exist", "子流程不存在"),
    _code("PD207", E, "an end that does not exist", "结束节点不存在"),
    _code("PD208", E, "a step reference that does not exist", "引用的步骤不存在"),
    # flow
    _code("PD301", E, "a step nothing reaches", "没有任何路径到达该步骤"),
    _code("PD302", E, "a step from which no end can be reached", "从该步骤无法到达任何结束"),
    _code("PD303", E, "an approval outcome that goes nowhere", "审批结果没有指定去向"),
    _code("PD304", E, "a parallel split without a join", "并行分支没有汇合"),
    _code("PD305", E, "a task with no way onward", "任务没有后续去向"),
    _code("PD306", W, "a loop or return without a cap", "退回或循环没有次数上限"),
    _code("PD307", E, "a process with no end", "流程没有结束节点"),
    _code("PD308", W, "an end that nothing reaches", "没有路径到达该结束节点"),
    _code("PD309", E, "a join that no parallel split feeds", "汇合没有对应的并行分支"),
    _code("PD310", E, "a process with no task", "流程中没有任何步骤"),
    _code("PD311", E, "a chosen return that is not a return to an earlier step",
          "可选退回不是退回到之前的步骤"),
    # types
    _code("PD401", E, "a comparison of values of different types", "比较的两边类型不一致"),
    _code("PD402", E, "a value that is not one of the enum's values", "取值不在枚举范围内"),
    _code("PD403", E, "a condition that is not true or false", "条件不是“是/否”判断"),
    _code("PD404", E, "arithmetic on values that are not numbers", "对非数字做了算术运算"),
    _code("PD405", E, "a list field needed here", "此处需要列表字段"),
    _code("PD406", E, "a range that does not fit its field", "取值范围与字段不符"),
    _code("PD407", W, "a condition a field's range makes impossible", "条件超出字段的取值范围"),
    _code("PD408", E, "an approver named by a field that is not text", "指定审批人的字段不是文本"),
    # rules
    _code("PD501", E, "a rule table has a gap", "规则表有遗漏"),
    _code("PD502", W, "rule rows overlap", "规则行互相重叠"),
    _code("PD503", E, "a rule's results are of mixed kinds", "规则结果类型不一致"),
    _code("PD504", E, "a rule used for approvers does not give roles", "用于审批人的规则未给出角色"),
    _code("PD505", E, "a rule that routes a case does not give a task", "用于流转的规则未给出步骤"),
    # time
    _code("PD601", E, "unknown weekday", "未知的星期"),
    _code("PD602", E, "bad working hours", "工作时间不合理"),
    _code("PD603", E, "holidays out of order or overlapping", "节假日顺序错误或重叠"),
    _code("PD604", W, "the process SLA is shorter than its fastest path", "流程时限短于最快路径所需时间"),
    _code("PD605", E, "unknown time zone", "未知的时区"),
    _code("PD606", E, "a reminder that cannot happen", "提醒时间不合理"),
    _code("PD607", E, "a working-time SLA without a calendar", "按工作时间计算的时限没有日历"),
    _code("PD608", E, "a breach action that does not fit the task", "超时处理方式不适用于该任务"),
    _code("PD609", E, "bad date", "日期无效"),
    _code("PD610", E, "a duration of zero", "时限为零"),
    _code("PD611", E, "a holiday range longer than a year", "节假日日期范围超过一年"),
    _code("PD612", E, "a calendar file holds something other than calendars", "日历文件中有日历以外的定义"),
    _code("PD614", E, "calendars based on each other in a circle", "日历之间循环基于"),
    _code("PD615", E, "official holidays asked for an unknown region or bad years",
          "法定节假日的地区或年份不合理"),
    _code("PD616", E, "official holidays that cannot be had", "无法取得法定节假日数据"),
    # controls (checks/controls.py)
    _code("PD701", W, "an overdue task is escalated to a role that already does it",
          "超时升级给了本来就办理该任务的角色"),
    _code("PD702", W, "a separation-of-duties bar can exclude every approver",
          "不相容职务限制可能排除所有审批人"),
    _code("PD703", W, "an approval approves itself when overdue and tells nobody",
          "超时自动通过且无人被告知"),
    _code("PD704", E, "a task decides a field that is not declared", "设定的字段未声明"),
    _code("PD706", E, "a KPI target that names no known indicator", "目标值的指标未知"),
    _code("PD705", W, "an approval, time limit or cap that does not say where it comes from",
          "审批、时限或次数限制未注明出处"),
)}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a spec: code, severity, message, where, and how to fix it."""

    code: str
    severity: Severity
    message: Text
    span: Span
    label: Text | None = None
    hint: Text | None = None
    notes: tuple[Text, ...] = field(default=())

    def sort_key(self) -> tuple[str, int, int, str]:
        """Return the key that orders diagnostics by file, position and code."""
        return (self.span.file, self.span.line, self.span.column, self.code)

    def to_json(self, lang: str) -> dict[str, object]:
        """Return the diagnostic as a JSON-ready dict in ``lang``."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "message": self.message.get(lang),
            "label": self.label.get(lang) if self.label else None,
            "hint": self.hint.get(lang) if self.hint else None,
            "notes": [n.get(lang) for n in self.notes],
        }


def diagnostic(
    code: str,
    span: Span,
    message: Text,
    *,
    label: Text | None = None,
    hint: Text | None = None,
    notes: Iterable[Text] = (),
    severity: Severity | None = None,
) -> Diagnostic:
    """Return a diagnostic for a registered code (its default severity unless given)."""
    registered = CODES[code]
    return Diagnostic(
        code, severity or registered.severity, message, span, label, hint, tuple(notes)
    )


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """Return True when any diagnostic is an error."""
    return any(d.severity is Severity.ERROR for d in diagnostics)


# ------------------------------------------------------------------ rendering

_SEVERITY_WORDS = {
    ("error", "en"): "error", ("warning", "en"): "warning",
    ("error", "zh"): "错误", ("warning", "zh"): "警告",
}


def _visible(text: str) -> str:
    """Return text with control and bidi-override characters shown as escapes."""
    out = []
    for c in text:
        cat = unicodedata.category(c)
        if cat in ("Cc", "Cf") and c != "\u200d":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def render_short(d: Diagnostic, lang: str) -> str:
    """Return the one-line form ``file:line:col: error: message [PD201]``."""
    word = _SEVERITY_WORDS[(d.severity.value, "zh" if lang == "zh" else "en")]
    return (f"{d.span.file}:{d.span.line}:{d.span.column}: {word}: "
            f"{_visible(d.message.get(lang))} [{d.code}]")


def render_full(
    d: Diagnostic, sources: Mapping[str, SourceFile], lang: str, color: bool = False
) -> str:
    """Return the rustc-style form: header, location, source line, caret, hint."""
    sev = d.severity.value
    word = _SEVERITY_WORDS[(sev, "zh" if lang == "zh" else "en")]

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    sev_color = "1;31" if d.severity is Severity.ERROR else "1;33"
    lines = [paint(f"{word}[{d.code}]", sev_color) + ": " + _visible(d.message.get(lang))]
    lines.append(f"  --> {d.span.file}:{d.span.line}:{d.span.column}")
    source = sources.get(d.span.file)
    if source is not None and d.span.line >= 1:
        text = source.line_text(d.span.line)
        number = str(d.span.line)
        pad = " " * len(number)
        shown = _visible(text)
        prefix = _visible(text[: max(0, d.span.column - 1)])
        if d.span.end_line == d.span.line:
            culprit = text[d.span.column - 1: max(d.span.column, d.span.end_column) - 1]
        else:
            culprit = text[d.span.column - 1:]
        carets = "^" * max(1, display_width(_visible(culprit)))
        label = " " + _visible(d.label.get(lang)) if d.label else ""
        lines.append(f"{pad} |")
        lines.append(f"{number} | {shown}")
        lines.append(f"{pad} | {' ' * display_width(prefix)}" + paint(carets + label, sev_color))
        lines.append(f"{pad} |")
        gutter = pad
    else:
        gutter = "  "
    if d.hint:
        hint_word = "提示" if lang == "zh" else "hint"
        lines.append(f"{gutter} = {hint_word}: {_visible(d.hint.get(lang))}")
    for note in d.notes:
        note_word = "说明" if lang == "zh" else "note"
        lines.append(f"{gutter} = {note_word}: {_visible(note.get(lang))}")
    return "\n".join(lines)


def render_summary(diagnostics: Iterable[Diagnostic], lang: str) -> str:
    """Return the closing line that counts errors and warnings."""
    items = list(diagnostics)
    errors = sum(d.severity is Severity.ERROR for d in items)
    warnings = len(items) - errors
    if lang == "zh":
        return f"共 {errors} 个错误，{warnings} 个警告"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def render_json(diagnostics: Iterable[Diagnostic], lang: str) -> str:
    """Return the diagnostics as a JSON document for editors and CI."""
    items = [d.to_json(lang) for d in diagnostics]
    return json.dumps({"diagnostics": items}, ensure_ascii=False, indent=2)
