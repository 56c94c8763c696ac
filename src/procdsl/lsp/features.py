"""What the language server knows about one spec: names and where they are used,
completion, hover, rename, outline and folding.  Plain functions of an ``Analysis``
(the compiled document); ``server.py`` only wires them to the protocol.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types as t

from .. import model as m
from ..compiler import Unit
from ..diagnostics import Diagnostic, Severity, Text
from ..formatter import format_text
from ..keywords import BY_TERMINAL, KEYWORDS, Keyword
from ..prescan import prescan
from ..source import SourceFile, Span
from .document import BlockCache, LineIndex, check_document

# ------------------------------------------------------------------ the analysis

STEP, END, ROLE, FIELD, RULE, CALENDAR, ENUM = "step", "end", "role", "field", "rule", "calendar", "enum"
RENAMEABLE = (STEP, END, ROLE, FIELD, RULE, CALENDAR)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One name in the spec: what kind of thing it names, and whether it declares it."""

    kind: str
    name: str
    span: Span
    decl: bool


@dataclass
class Analysis:
    """One compiled document: the check's unit, the model (kept even when the spec has
    errors, for navigation), every name occurrence, and the document's language."""

    uri: str
    text: str
    unit: Unit
    spec: m.Spec | None
    syntax_ok: bool
    lang: str
    index: LineIndex
    processes: frozenset[str] = frozenset()
    _occurrences: list[Occurrence] | None = field(default=None, repr=False)

    @property
    def source(self) -> SourceFile:
        return self.unit.source

    @property
    def occurrences(self) -> list[Occurrence]:
        """Every name occurrence, indexed on the first request that needs it (a keystroke
        publishes diagnostics only; navigation asks)."""
        if self._occurrences is None:
            self._occurrences = list(collect(self.spec)) if self.spec is not None else []
        return self._occurrences


_LANG_WORDS = tuple(w.lower() for w in BY_TERMINAL["LANG"].spellings)


def declared_lang(text: str) -> str | None:
    """Return the language a spec's header names (``lang en`` / ``语言 zh``), if any."""
    for line in text.splitlines()[:200]:
        words = line.split()
        if len(words) >= 2 and line[:1] == " " and words[0].lower() in _LANG_WORDS:
            return "zh" if words[1].lower() == "zh" else "en"
    return None


def locale_lang(locale: str | None) -> str | None:
    """Return 'zh' or 'en' for a client locale such as zh-CN or en-US (None otherwise)."""
    if not locale:
        return None
    return "zh" if locale.lower().startswith("zh") else "en"


def analyse(uri: str, path: str, text: str, processes: frozenset[str] = frozenset(),
            cache: BlockCache | None = None, client_lang: str | None = None,
            forced_lang: str | None = None, encoding: str = "utf-16") -> Analysis:
    """Compile text as ``procdsl check`` would and index its names.

    The language of messages: ``forced_lang`` (the client's setting), else the spec's own
    ``lang`` line, else the client's locale, else what ``check`` would pick."""
    unit, spec, syntax_ok = check_document(path, text, processes, cache)
    lang = forced_lang or declared_lang(text) or client_lang or unit.lang
    index = LineIndex(unit.source.text, bom=text.startswith("\ufeff"), encoding=encoding)
    return Analysis(uri, text, unit, spec, syntax_ok, lang, index, processes)


# ------------------------------------------------------------------ names in the model


def collect(spec: m.Spec) -> Iterator[Occurrence]:
    """Yield every declaration of and reference to a step, end, role, field, rule,
    calendar or enum value, in no particular order."""
    tasks = {x.name.text for x in spec.tasks}

    def occ(kind: str, name: m.Name | None, decl: bool = False) -> Iterator[Occurrence]:
        if name is not None and name.span.end > name.span.start:
            yield Occurrence(kind, name.text, name.span, decl)

    def target(x: m.Target | None) -> Iterator[Occurrence]:
        if x is None:
            return
        if x.kind is m.TargetKind.END or x.explicit_end:
            yield from occ(END, x.name)
        elif x.kind is m.TargetKind.STEP or x.name.text in tasks:
            yield from occ(STEP, x.name)
        else:
            yield from occ(END if x.name.text in {e.name.text for e in spec.ends} else STEP, x.name)

    def roles(names: Iterable[m.Name]) -> Iterator[Occurrence]:
        for n in names:
            yield from occ(ROLE, n)

    def steps(names: Iterable[m.Name]) -> Iterator[Occurrence]:
        for n in names:
            yield from occ(STEP, n)

    def assignee(a: m.Assignee | None) -> Iterator[Occurrence]:
        if a is not None:
            yield from roles(a.roles)
            yield from occ(RULE, a.rule)

    def sla(s: m.Sla | None) -> Iterator[Occurrence]:
        if s is not None:
            for b in s.breaches:
                yield from roles(b.roles)
                yield from target(b.target)

    def expr(e: m.Expr | None) -> Iterator[Occurrence]:
        match e:
            case m.FieldRef():
                yield from occ(FIELD, e.name)
            case m.EnumValue():
                yield from occ(ENUM, e.name)
            case m.Not() | m.Negative():
                yield from expr(e.operand)
            case m.BoolOp():
                for x in e.operands:
                    yield from expr(x)
            case m.Compare() | m.Arith():
                yield from expr(e.left)
                yield from expr(e.right)
            case m.Member():
                yield from expr(e.operand)
                for x in e.items:
                    yield from expr(x)

    p = spec.process
    yield from occ(CALENDAR, p.calendar)
    yield from occ(STEP, p.start)
    yield from sla(p.sla)
    if p.withdraw is not None:
        yield from steps(p.withdraw.steps)
        yield from target(p.withdraw.target)
    for c in p.cancels:
        yield from roles(c.roles)
        yield from target(c.target)
    for a in p.actions:
        yield from assignee(a.assignee)
        yield from steps(a.steps)
    for cal in spec.calendars:
        yield from occ(CALENDAR, cal.name, True)
    for r in spec.roles:
        yield from occ(ROLE, r.name, True)
    for f in spec.fields:
        yield from occ(FIELD, f.name, True)
        kind: m.DataType | None = f.type
        while kind is not None:
            for v in kind.values:
                yield from occ(ENUM, v, True)
            kind = kind.item
    for task in spec.tasks:
        yield from occ(STEP, task.name, True)
        yield from assignee(task.assignee)
        for exclusion in task.exclusions:
            yield from occ(STEP, exclusion.step)
        for extra in task.extra_approvers:
            yield from expr(extra.condition)
            yield from roles(extra.roles)
        yield from sla(task.sla)
        for notify in task.notifies:
            yield from roles(notify.roles)
        for route in task.routes:
            yield from expr(route.condition)
            for x in route.targets:
                yield from target(x)
            if route.cap is not None:
                yield from target(route.cap.then)
        if task.for_each is not None:
            yield from occ(FIELD, task.for_each.list_field)
            yield from expr(task.for_each.until)
    for rule in spec.rules:
        yield from occ(RULE, rule.name, True)
        for row in rule.rows:
            yield from expr(row.condition)
            result = row.result
            if result.kind is m.ResultKind.ROLES:
                yield from roles(result.names)
            elif result.kind is m.ResultKind.STEP:
                for name in result.names:
                    yield from occ(STEP if name.text in tasks else END, name)
    for end in spec.ends:
        yield from occ(END, end.name, True)


def occurrence_at(a: Analysis, offset: int) -> Occurrence | None:
    """Return the name occurrence under (or just after) a character offset."""
    best: Occurrence | None = None
    for o in a.occurrences:
        if o.span.start <= offset <= o.span.end and (
                best is None or o.span.end - o.span.start < best.span.end - best.span.start):
            best = o
    return best


def declaration(a: Analysis, kind: str, name: str) -> Occurrence | None:
    """Return the first declaration of a name of this kind."""
    return next((o for o in a.occurrences if o.decl and o.kind == kind and o.name == name), None)


def references(a: Analysis, kind: str, name: str, include_decl: bool = True) -> list[Occurrence]:
    """Return every occurrence of a name of this kind, in source order."""
    found = [o for o in a.occurrences if o.kind == kind and o.name == name
             and (include_decl or not o.decl)]
    return sorted(found, key=lambda o: o.span.start)


# ------------------------------------------------------------------ positions


def lsp_range(a: Analysis, span: Span) -> t.Range:
    (sl, sc), (el, ec) = a.index.span_range(span)
    return t.Range(start=t.Position(line=sl, character=sc), end=t.Position(line=el, character=ec))


def offset_of(a: Analysis, position: t.Position) -> int:
    return a.index.offset(position.line, position.character)


def location(a: Analysis, span: Span) -> t.Location:
    return t.Location(uri=a.uri, range=lsp_range(a, span))


# ------------------------------------------------------------------ diagnostics

_HINT = {"zh": "提示", "en": "hint"}
_NOTE = {"zh": "说明", "en": "note"}


def lsp_diagnostic(a: Analysis, d: Diagnostic) -> t.Diagnostic:
    """Return a diagnostic as the protocol has it: the check's code, range and message,
    then its hint and notes on lines of their own (as ``check`` prints them)."""
    lang = a.lang
    word = "zh" if lang == "zh" else "en"
    lines = [d.message.get(lang)]
    if d.hint is not None:
        lines.append(f"{_HINT[word]}: {d.hint.get(lang)}")
    lines.extend(f"{_NOTE[word]}: {n.get(lang)}" for n in d.notes)
    data = {"message": d.message.get(lang), "hint": d.hint.get(lang) if d.hint else None,
            "label": d.label.get(lang) if d.label else None,
            "notes": [n.get(lang) for n in d.notes]}
    return t.Diagnostic(
        range=lsp_range(a, d.span), message="\n".join(lines), code=d.code, source="procdsl",
        severity=(t.DiagnosticSeverity.Error if d.severity is Severity.ERROR
                  else t.DiagnosticSeverity.Warning), data=data)


def diagnostics(a: Analysis) -> list[t.Diagnostic]:
    return [lsp_diagnostic(a, _in_document(a, d)) for d in a.unit.diagnostics]


def _in_document(a: Analysis, d: Diagnostic) -> Diagnostic:
    """Return d placed in this document: a problem of a calendar file beside the spec is
    shown on the header line that names the calendar, its file and line in the message."""
    if d.span.file == a.unit.path or a.spec is None:
        return d
    where = f"{Path(d.span.file).name}:{d.span.line}:{d.span.column}"
    ref = a.spec.process.calendar
    span = ref.span if ref is not None else a.spec.process.span
    message = Text(f"{where}: {d.message.en}", f"{where}：{d.message.zh}")
    return dataclasses.replace(d, span=span, message=message)


# ------------------------------------------------------------------ completion

_DEFINITIONS = ("PROCESS", "CALENDAR", "ROLES", "DATA", "STEP", "APPROVAL", "RULE", "END")
_HEADER_ITEMS = ("VERSION", "OWNER", "LANG", "PURPOSE", "SCOPE", "REFERENCE", "DESCRIPTION",
                 "SLA", "CALENDAR", "START", "WITHDRAW", "CANCEL", "ACTION")
_TASK_ITEMS = ("BY", "NOT", "INPUT", "OUTPUT", "CHECK", "SLA", "NOTIFY", "THEN", "WHEN",
               "OTHERWISE", "APPROVE", "REJECT", "RETURN", "WAIT", "FOR_EACH", "RUN",
               "DESCRIPTION", "ALSO")
_SLA_ITEMS = ("REMIND", "ON_BREACH")
_CALENDAR_ITEMS = ("WORKDAYS", "OPEN_HOURS", "HOLIDAYS", "MAKEUP", "TIMEZONE", "BASED_ON",
                   "PUBLIC_HOLIDAYS", "DESCRIPTION")
_TYPES = ("BOOL", "INT", "DECIMAL", "MONEY", "TEXT", "DATE_TYPE", "ENUM", "LIST")
_CONDITION_WORDS = ("AND", "OR", "NOT", "IN", "TRUE", "FALSE")
_UNITS = ("MINUTES", "HOURS", "WORK_HOURS", "DAYS", "WORKDAYS", "WEEKS")

_WORD = re.compile(r"[^\W\d]\w*$")
_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"?|->|→|=>|==|!=|<=|>=|[<>=≠≤≥(),:]|[^\s(),:"]+')


def _spelling_map() -> dict[str, str]:
    table: dict[str, str] = {}
    for kw in KEYWORDS:
        for word in kw.spellings:
            table.setdefault(word.lower(), kw.terminal)
    return table


_SPELLINGS = _spelling_map()


def _terminals(words: list[str]) -> list[str]:
    """Return the line's words as keyword terminals where they are keywords (multi-word
    keywords joined), other words as themselves."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            phrase = " ".join(words[i:i + size]).lower()
            if i + size <= len(words) and phrase in _SPELLINGS:
                out.append(_SPELLINGS[phrase])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


@dataclass(frozen=True)
class Context:
    """What may be typed at the cursor."""

    kinds: tuple[str, ...]            # name kinds: step, end, role, field, rule, calendar, enum
    keywords: tuple[str, ...]         # keyword terminals
    enum_of: str | None = None        # the field whose enum values fit here


def _block_kind(a: Analysis, line: int) -> str | None:
    """Return the terminal of the top-level definition the 0-based line belongs to."""
    for row in range(line, -1, -1):
        text = a.index.line(row)
        if text[:1] not in ("", " ", "#"):
            words = _terminals(text.split()[:2])
            return words[0] if words else None
    return None


def completion_context(a: Analysis, line: int, before: str) -> Context:
    """Return what fits after ``before`` (the line's text up to the cursor)."""
    stripped = before.strip()
    indent = len(before) - len(before.lstrip(" "))
    partial = bool(_WORD.search(before)) and not before.endswith(" ")
    words = _TOKENS.findall(before)
    if partial and words:
        words = words[:-1]
    terms = _terminals(words)
    block = _block_kind(a, line) if indent else None
    if not terms:
        if indent == 0:
            return Context((), _DEFINITIONS)
        if block == "PROCESS":
            return Context((), _HEADER_ITEMS)
        if block == "CALENDAR":
            return Context((), _CALENDAR_ITEMS)
        if block in ("STEP", "APPROVAL"):
            return Context((), _TASK_ITEMS + _SLA_ITEMS)
        if block == "RULE":
            return Context((), ("WHEN", "OTHERWISE", "DESCRIPTION"))
        return Context((), ())
    last = terms[-1]
    if block == "DATA" and (last == ":" or len(terms) == 1 and last not in _SPELLINGS.values()):
        return Context((), _TYPES)
    if last in ("WHEN", "AND", "OR", "NOT", "(", "UNTIL") and "->" not in words and "→" not in words:
        return Context((FIELD,), ("NOT",) if last != "NOT" else ())
    if last in ("==", "!=", "=", "≠", "IN", ",") and len(terms) >= 2 and \
            any(w in ("WHEN", "UNTIL") for w in terms) and not _after_arrow(words):
        field_name = _compared_field(a, terms)
        return Context((ENUM,), ("TRUE", "FALSE"), enum_of=field_name)
    if last in ("->", "→", "=>", "THEN", "GOTO", "OTHERWISE", "IN_ANY_ORDER") or (
            last in (",", "ALL", "OF") and _after_arrow(words)):
        if block == "RULE":
            return Context((ROLE, STEP, END), ())
        return Context((STEP, END), ("END", "ALL", "IN_ANY_ORDER", "BY_RULE")
                       if last != "OTHERWISE" else ())
    if last == "END" and indent:
        return Context((END,), ())
    if last == "BY_RULE" or (last == "RULE" and "BY" in terms):  # by rule R, then by rule R
        return Context((RULE,), ())
    if last in ("BY", "TO", "ESCALATE", "NOTIFY", "ALL", "ANY", "OF") or (
            last == "," and any(x in terms for x in ("BY", "NOTIFY", "CANCEL"))) or (
            last.isdigit() and "BY" in terms):
        kinds: tuple[str, ...] = (ROLE,)
        extra: tuple[str, ...] = ("ALL", "ANY", "RULE", "REQUESTER") if last == "BY" else ()
        if last == "BY" and "NOT" in terms:
            extra = ("REQUESTER", "WHOEVER_DID")
        return Context(kinds, extra)
    if last in ("WHILE", "WHOEVER_DID", "START") or (last == "," and "WHILE" in terms):
        return Context((STEP,), ())
    if last == "CALENDAR" and indent:
        return Context((CALENDAR,), ())
    if last == "IN" and "FOR_EACH" in terms:
        return Context((FIELD,), ())
    if last == "SLA" or re.fullmatch(r"\d+(?:\.\d+)?", last):
        return Context((), _UNITS)
    if last == "ON_BREACH":
        return Context((), ("NOTIFY", "ESCALATE", "AUTO_APPROVE", "AUTO_REJECT", "GOTO"))
    if block in ("STEP", "APPROVAL") and last in ("APPROVE", "REJECT", "RETURN"):
        return Context((), ("WHEN",))
    if stripped and indent and last not in _SPELLINGS.values():
        return Context((), _CONDITION_WORDS if "WHEN" in terms else ())
    return Context((), ())


def _after_arrow(words: list[str]) -> bool:
    return any(w in ("->", "→", "=>") for w in words) or any(
        _SPELLINGS.get(w.lower()) in ("THEN", "GOTO") for w in words)


def _compared_field(a: Analysis, terms: list[str]) -> str | None:
    for word in reversed(terms):
        if a.spec is not None and a.spec.field(word) is not None:
            return word
    return None


def _keyword_label(kw: Keyword, lang: str) -> str:
    return kw.zh if lang == "zh" else kw.en


def completions(a: Analysis, position: t.Position) -> list[t.CompletionItem]:
    """Return what may be typed at position, names first, then keywords."""
    before = a.index.line(position.line)[: a.index.offset(position.line, position.character)
                                          - a.index.starts[min(position.line, len(a.index.starts) - 1)]]
    ctx = completion_context(a, position.line, before)
    items: list[t.CompletionItem] = []
    seen: set[tuple[str, str]] = set()
    lang = a.lang
    for kind in ctx.kinds:
        for name, detail in _names(a, kind, ctx.enum_of):
            if (kind, name) in seen:
                continue
            seen.add((kind, name))
            items.append(t.CompletionItem(
                label=name, kind=_ITEM_KIND[kind], detail=detail,
                sort_text=f"0{ctx.kinds.index(kind)}{name}"))
    for terminal in ctx.keywords:
        kw = BY_TERMINAL[terminal]
        first, second = (kw.zh, kw.en) if lang == "zh" else (kw.en, kw.zh)
        for rank, word in enumerate(dict.fromkeys((first, second))):
            items.append(t.CompletionItem(
                label=word, kind=t.CompletionItemKind.Keyword,
                detail=keyword_summary(kw, lang), sort_text=f"1{rank}{word}"))
    return items


_ITEM_KIND = {STEP: t.CompletionItemKind.Function, END: t.CompletionItemKind.Constant,
              ROLE: t.CompletionItemKind.Class, FIELD: t.CompletionItemKind.Field,
              RULE: t.CompletionItemKind.Interface, CALENDAR: t.CompletionItemKind.Module,
              ENUM: t.CompletionItemKind.EnumMember}


def _names(a: Analysis, kind: str, enum_of: str | None) -> list[tuple[str, str]]:
    spec = a.spec
    if spec is None:
        return sorted({(o.name, kind) for o in a.occurrences if o.decl and o.kind == kind})
    zh = a.lang == "zh"
    if kind == STEP:
        return [(x.name.text, x.title or ("审批" if zh else "approval")
                 if x.kind is m.TaskKind.APPROVAL else x.title or ("步骤" if zh else "step"))
                for x in spec.tasks]
    if kind == END:
        return [(x.name.text, x.title or ("结束" if zh else "end")) for x in spec.ends]
    if kind == ROLE:
        return [(x.name.text, x.title or ("角色" if zh else "role")) for x in spec.roles]
    if kind == FIELD:
        return [(x.name.text, _type_text(a, x)) for x in spec.fields]
    if kind == RULE:
        return [(x.name.text, x.title or ("规则" if zh else "rule")) for x in spec.rules]
    if kind == CALENDAR:
        return [(x.name.text, x.title or ("日历" if zh else "calendar")) for x in spec.calendars]
    values: list[tuple[str, str]] = []
    for f in spec.fields:
        if enum_of is not None and f.name.text != enum_of:
            continue
        kind_of: m.DataType | None = f.type
        while kind_of is not None:
            values.extend((v.text, f.name.text) for v in kind_of.values)
            kind_of = kind_of.item
    return values


def _type_text(a: Analysis, f: m.Field) -> str:
    return a.source.text[f.type.span.start:f.type.span.end]


# ------------------------------------------------------------------ hover

_KEYWORD_HELP: dict[str, tuple[str, str]] = {
    "PROCESS": ("The process header: its name, then title, version, owner, language, SLA.",
                "流程头：流程名称，其下写标题、版本、负责人、语言、时限等。"),
    "CALENDAR": ("A business calendar (workdays, hours, holidays), or the one the process uses.",
                 "工作日历（工作日、工作时间、节假日），或流程所用的日历。"),
    "ROLES": ("Declares the roles that do the work, one per line.", "声明办理工作的角色，每行一个。"),
    "DATA": ("Declares the case's fields and their types.", "声明案件的数据字段及其类型。"),
    "STEP": ("A task a role does; its lines say who, what and where next.",
             "由某个角色办理的步骤；其下各行写办理人、内容和去向。"),
    "APPROVAL": ("A decision task: approve, reject or return, each routed onward.",
                 "审批任务：通过、驳回或退回，各自指定去向。"),
    "RULE": ("A decision table (when ... -> result), or approvers chosen by one.",
             "决策表（如果 … -> 结果），或按规则确定审批人。"),
    "END": ("An end of the process, successful or not.", "流程的结束节点（成功或失败）。"),
    "BY": ("Who does the task: a role, several, all of / any of, N of, a rule, the requester.",
           "办理人：一个或多个角色、全部/任一、N 名、按规则或发起人。"),
    "THEN": ("Where the task goes when it is done.", "完成后转到的下一步。"),
    "WHEN": ("A condition on the case's data; the first that holds is taken.",
             "按数据判断的条件；取第一个成立的。"),
    "OTHERWISE": ("Where to go when no condition above holds.", "以上条件都不成立时的去向。"),
    "APPROVE": ("Where an approval goes when approved.", "审批通过后的去向。"),
    "REJECT": ("Where an approval goes when rejected.", "审批驳回后的去向。"),
    "RETURN": ("Sends the case back for rework (cap it with 'at most N times').",
               "退回重办（用“最多 N 次”限制次数）。"),
    "SLA": ("The time limit of a task or of the whole process.", "步骤或整个流程的办理时限。"),
    "REMIND": ("A reminder before the deadline.", "到期前的提醒。"),
    "ON_BREACH": ("What happens when the deadline passes.", "超过时限后的处理。"),
    "NOTIFY": ("Roles told about the task (on enter or on leave).", "抄送（进入或办结时通知的角色）。"),
    "INPUT": ("Forms or records the task takes in.", "该步骤使用的表单或记录。"),
    "OUTPUT": ("Forms or records the task produces.", "该步骤产生的表单或记录。"),
    "CHECK": ("A checklist item for the person doing the task.", "办理人的检查项。"),
    "NOT": ("Separation of duties (not by requester / whoever did STEP), or negation.",
            "不相容职务（不由发起人 / 经办某步骤者办理），或条件取反。"),
    "AT_MOST": ("Caps a loop or return: after N times go elsewhere.", "限制退回或循环次数，超过后另行转至。"),
    "ALL": ("All of several roles (countersign), or all of several next steps (parallel).",
            "全部（会签），或同时转至多个步骤（并行）。"),
    "ANY": ("Any one of several roles.", "任一角色（或签）。"),
    "WAIT": ("How a join waits for parallel branches: all, any or each.", "汇合方式：等待全部、任一或各自。"),
    "FOR_EACH": ("Do the task once per item of a list field.", "对列表字段的每一项各办理一次。"),
    "RUN": ("Calls another process as a subprocess.", "调用另一个流程作为子流程。"),
    "LANG": ("The language of generated text and messages: zh or en.", "生成文字和提示所用的语言：zh 或 en。"),
    "WITHDRAW": ("The requester may withdraw the case while some steps are active.",
                 "在某些步骤进行中，发起人可以撤回。"),
    "CANCEL": ("Roles that may cancel the case at any time.", "可随时取消案件的角色。"),
    "ESCALATE": ("On breach, hand the task to another role.", "超时后升级给另一角色办理。"),
    "GOTO": ("On breach, move the case to another step or end.", "超时后转到另一步骤或结束。"),
}


def keyword_summary(kw: Keyword, lang: str) -> str:
    help_text = _KEYWORD_HELP.get(kw.terminal)
    if help_text is not None:
        return help_text[1] if lang == "zh" else help_text[0]
    return kw.doc or kw.en


def _keyword_at(a: Analysis, offset: int) -> Keyword | None:
    line, _ = a.source.position(offset)
    text = a.index.line(line - 1)
    start = a.index.starts[line - 1]
    words = list(re.finditer(r"[^\W\d]\w*|->", text))
    for i in range(len(words)):
        for size in (3, 2, 1):
            group = words[i:i + size]
            if len(group) < size:
                continue
            phrase = " ".join(g.group() for g in group).lower()
            begin, end = start + group[0].start(), start + group[-1].end()
            if phrase in _SPELLINGS and begin <= offset <= end:
                return BY_TERMINAL[_SPELLINGS[phrase]]
    return None


def hover(a: Analysis, position: t.Position) -> t.Hover | None:
    """Return what the thing under the cursor is: a name's declaration and uses, or what a
    keyword means."""
    offset = offset_of(a, position)
    found = occurrence_at(a, offset)
    if found is not None:
        text = describe(a, found.kind, found.name)
        if text:
            return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text),
                           range=lsp_range(a, found.span))
    kw = _keyword_at(a, offset)
    if kw is not None:
        spellings = " · ".join(f"`{w}`" for w in kw.spellings)
        value = f"**{_keyword_label(kw, a.lang)}** — {keyword_summary(kw, a.lang)}\n\n{spellings}"
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=value))
    return None


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _src(a: Analysis, span: Span) -> str:
    return " ".join(a.source.text[span.start:span.end].split())


def describe(a: Analysis, kind: str, name: str) -> str | None:
    """Return Markdown about a declared name: title, and how the spec uses it."""
    spec = a.spec
    if spec is None:
        return None
    zh = a.lang == "zh"
    if kind == STEP and (task := spec.task(name)) is not None:
        what = ("审批" if zh else "approval") if task.kind is m.TaskKind.APPROVAL else ("步骤" if zh else "step")
        lines = [f"**{what} {_code(name)}**" + (f" — {task.title}" if task.title else "")]
        if task.assignee is not None:
            lines.append(("办理人：" if zh else "by: ") + _code(_src(a, task.assignee.span)))
        routes = [_src(a, r.span) for r in task.routes]
        if routes:
            lines.append("去向：" if zh else "routes:")
            lines.extend(f"- {_code(r)}" for r in routes)
        incoming = sorted({n.text for n in _incoming(spec, name)})
        if incoming:
            lines.append(("来自：" if zh else "reached from: ") + ", ".join(_code(x) for x in incoming))
        return "\n\n".join(lines[:2]) + ("\n\n" + "\n".join(lines[2:]) if len(lines) > 2 else "")
    if kind == ROLE and (role := spec.role(name)) is not None:
        lines = [f"**{'角色' if zh else 'role'} {_code(name)}**" + (f" — {role.title}" if role.title else "")
                 + (" (外部)" if zh and role.external else " (external)" if role.external else "")]
        does = [x for x in spec.tasks if x.assignee is not None and name in {r.text for r in x.assignee.roles}]
        if does:
            lines.append(("办理：" if zh else "does: ") + ", ".join(_code(x.name.text) for x in does))
        told = [x for x in spec.tasks if any(name in {r.text for r in n.roles} for n in x.notifies)]
        if told:
            lines.append(("抄送：" if zh else "is told of: ") + ", ".join(_code(x.name.text) for x in told))
        return "\n\n".join(lines)
    if kind == FIELD and (f := spec.field(name)) is not None:
        text = f"**{'字段' if zh else 'field'} {_code(name)}**: {_code(_type_text(a, f))}"
        return text + (f" — {f.description}" if f.description else "")
    if kind == END and (end := spec.end(name)) is not None:
        how = ("成功" if zh else "success") if end.success else ("失败" if zh else "failure")
        incoming = sorted({n.text for n in _incoming(spec, name)})
        text = f"**{'结束' if zh else 'end'} {_code(name)}**" + (f" — {end.title}" if end.title else "") + f" ({how})"
        if incoming:
            text += "\n\n" + ("来自：" if zh else "reached from: ") + ", ".join(_code(x) for x in incoming)
        return text
    if kind == RULE and (rule := spec.rule(name)) is not None:
        rows = "\n".join(f"- {_code(_src(a, r.span))}" for r in rule.rows)
        head = f"**{'规则' if zh else 'rule'} {_code(name)}**" + (f" — {rule.title}" if rule.title else "")
        return head + "\n\n" + rows
    if kind == CALENDAR and (cal := spec.calendar(name)) is not None:
        return f"**{'日历' if zh else 'calendar'} {_code(name)}**" + (f" — {cal.title}" if cal.title else "")
    if kind == ENUM:
        owners = [f.name.text for f in spec.fields if any(v.text == name for v in f.type.values)]
        if owners:
            return f"**{'枚举值' if zh else 'enum value'} {_code(name)}** ({', '.join(_code(o) for o in owners)})"
    return None


def _incoming(spec: m.Spec, name: str) -> Iterator[m.Name]:
    for task in spec.tasks:
        for route in task.routes:
            targets = list(route.targets) + ([route.cap.then] if route.cap and route.cap.then else [])
            if any(x.name.text == name for x in targets):
                yield task.name


# ------------------------------------------------------------------ definition, references, rename


def definition(a: Analysis, position: t.Position) -> t.Location | None:
    found = occurrence_at(a, offset_of(a, position))
    if found is None:
        return None
    decl = declaration(a, found.kind, found.name)
    return location(a, decl.span) if decl is not None else None


def find_references(a: Analysis, position: t.Position, include_decl: bool) -> list[t.Location]:
    found = occurrence_at(a, offset_of(a, position))
    if found is None:
        return []
    return [location(a, o.span) for o in references(a, found.kind, found.name, include_decl)]


class RenameRefused(Exception):
    """A rename that would break the spec; the message says why, in the spec's language."""


_NAME = re.compile(r"[^\W\d]\w*")
_NAMESPACE = {STEP: (STEP, END), END: (STEP, END), ROLE: (ROLE,), FIELD: (FIELD, ENUM),
              RULE: (RULE,), CALENDAR: (CALENDAR,)}


def prepare_rename(a: Analysis, position: t.Position) -> t.PrepareRenamePlaceholder | None:
    found = occurrence_at(a, offset_of(a, position))
    if found is None or found.kind not in RENAMEABLE or declaration(a, found.kind, found.name) is None:
        return None
    return t.PrepareRenamePlaceholder(range=lsp_range(a, found.span), placeholder=found.name)


def rename(a: Analysis, position: t.Position, new_name: str,
           recheck: Analysis | None = None) -> t.WorkspaceEdit:
    """Return the edit that renames the name under the cursor everywhere it is used.

    Refused (RenameRefused) when the cursor is on no declared step, end, role, field,
    rule or calendar, when the spec does not parse, when the new name is not a name, is
    a keyword or is taken, or when the renamed spec has more errors than before."""
    zh = a.lang == "zh"
    found = occurrence_at(a, offset_of(a, position))
    if found is None or found.kind not in RENAMEABLE or declaration(a, found.kind, found.name) is None:
        raise RenameRefused("这里没有可以重命名的名称" if zh else "there is no declared name here to rename")
    if not a.syntax_ok:
        raise RenameRefused("请先修正语法错误再重命名" if zh else "fix the syntax errors before renaming")
    if not _NAME.fullmatch(new_name):
        raise RenameRefused(f"“{new_name}”不是合法的名称（以字母或汉字开头，不含空格和符号）" if zh else
                            f"'{new_name}' is not a name (a letter or Chinese character first, "
                            "then letters, digits or _)")
    if new_name.lower() in _SPELLINGS:
        raise RenameRefused(f"“{new_name}”是关键字，不能用作名称" if zh else
                            f"'{new_name}' is a keyword; choose another name")
    if new_name == found.name:
        return t.WorkspaceEdit(changes={a.uri: []})
    taken = {o.name for o in a.occurrences if o.decl and o.kind in _NAMESPACE[found.kind]}
    if new_name in taken:
        raise RenameRefused(f"名称“{new_name}”已被使用" if zh else f"the name '{new_name}' is already taken")
    spans = [o.span for o in references(a, found.kind, found.name)]
    edits = [t.TextEdit(range=lsp_range(a, s), new_text=new_name) for s in spans]
    new_text = apply_spans(a.source.text, spans, new_name)
    after = analyse(a.uri, a.unit.path, new_text, a.processes, None, forced_lang=a.lang,
                    encoding=a.index.encoding)
    before_errors = sum(d.severity is Severity.ERROR for d in a.unit.diagnostics)
    after_errors = sum(d.severity is Severity.ERROR for d in after.unit.diagnostics)
    if after_errors > before_errors:
        first = next(d for d in after.unit.diagnostics if d.severity is Severity.ERROR
                     and d not in a.unit.diagnostics)
        raise RenameRefused((f"重命名后规格会出错：{first.message.get('zh')}" if zh else
                             f"the renamed spec would have an error: {first.message.get('en')}")
                            + f" [{first.code}]")
    return t.WorkspaceEdit(changes={a.uri: edits})


def apply_spans(text: str, spans: list[Span], replacement: str) -> str:
    out, last = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        out.append(text[last:s.start])
        out.append(replacement)
        last = s.end
    out.append(text[last:])
    return "".join(out)


# ------------------------------------------------------------------ formatting, outline, folding


def formatting(a: Analysis) -> list[t.TextEdit] | None:
    """Return the edit that gives the document fmt's layout; None when it does not parse
    (fmt leaves such a spec alone too)."""
    if any(d.code.startswith("PD0") for d in a.unit.diagnostics):
        return None
    new = format_text(a.source.text)
    if new == a.text:
        return []
    end_line, end_char = a.index.end()
    whole = t.Range(start=t.Position(line=0, character=0),
                    end=t.Position(line=end_line, character=end_char))
    return [t.TextEdit(range=whole, new_text=new)]


def _symbol(a: Analysis, name: str, detail: str | None, kind: t.SymbolKind, span: Span,
            name_span: Span, children: list[t.DocumentSymbol] | None = None) -> t.DocumentSymbol:
    whole = lsp_range(a, span)
    sel = lsp_range(a, name_span)
    if (sel.start.line, sel.start.character) < (whole.start.line, whole.start.character) or \
            (sel.end.line, sel.end.character) > (whole.end.line, whole.end.character):
        whole = sel
    return t.DocumentSymbol(name=name, detail=detail, kind=kind, range=whole,
                            selection_range=sel, children=children or None)


def document_symbols(a: Analysis) -> list[t.DocumentSymbol]:
    """Return the outline: the process, calendars, roles, data, tasks, rules and ends."""
    spec = a.spec
    if spec is None:
        return []
    out: list[tuple[int, t.DocumentSymbol]] = []
    p = spec.process
    if p.span.end > p.span.start:
        out.append((p.span.start, _symbol(a, p.name.text, p.title, t.SymbolKind.Namespace,
                                          p.span, p.name.span)))
    for cal in spec.calendars:
        out.append((cal.span.start, _symbol(a, cal.name.text, cal.title, t.SymbolKind.Object,
                                            cal.span, cal.name.span)))
    blocks = prescan(a.source).blocks
    for items, word, kind, child_kind in (
            (spec.roles, ("角色", "roles"), t.SymbolKind.Namespace, t.SymbolKind.Class),
            (spec.fields, ("数据", "data"), t.SymbolKind.Struct, t.SymbolKind.Field)):
        groups: dict[int, list[t.DocumentSymbol]] = {}
        for item in items:
            block = next((b for b in reversed(blocks) if b.offset <= item.span.start), None)
            start = block.offset if block is not None else item.span.start
            groups.setdefault(start, []).append(_symbol(
                a, item.name.text, getattr(item, "title", None) or getattr(item, "description", None),
                child_kind, item.span, item.name.span))
        for start, children in groups.items():
            end = max(c.range.end.line for c in children)
            first_line = a.source.position(start)[0] - 1
            header = t.Range(start=t.Position(line=first_line, character=0),
                             end=t.Position(line=end, character=children[-1].range.end.character))
            label = word[0] if a.lang == "zh" else word[1]
            name_end = t.Position(line=first_line, character=len(a.index.line(first_line).split(" ")[0]))
            out.append((start, t.DocumentSymbol(
                name=label, kind=kind, range=header,
                selection_range=t.Range(start=header.start, end=name_end), children=children)))
    for task in spec.tasks:
        out.append((task.span.start, _symbol(
            a, task.name.text, task.title,
            t.SymbolKind.Event if task.kind is m.TaskKind.APPROVAL else t.SymbolKind.Function,
            task.span, task.name.span)))
    for rule in spec.rules:
        out.append((rule.span.start, _symbol(a, rule.name.text, rule.title, t.SymbolKind.Interface,
                                             rule.span, rule.name.span)))
    for done in spec.ends:
        out.append((done.span.start, _symbol(a, done.name.text, done.title, t.SymbolKind.Constant,
                                             done.span, done.name.span)))
    return [s for _, s in sorted(out, key=lambda x: x[0])]


def folding_ranges(a: Analysis) -> list[t.FoldingRange]:
    """Return one range per top-level block of more than one line (trailing blank and
    comment lines left out), and one per run of three or more comment lines."""
    out: list[t.FoldingRange] = []
    lines = a.source.text.split("\n")
    start: int | None = None
    last_code = -1

    def close() -> None:
        if start is not None and last_code > start:
            out.append(t.FoldingRange(start_line=start, end_line=last_code,
                                      kind=t.FoldingRangeKind.Region))

    comments: list[int] = []
    for row, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith("#"):
            comments.append(row)
        else:
            if len(comments) >= 3 and comments[-1] - comments[0] == len(comments) - 1:
                out.append(t.FoldingRange(start_line=comments[0], end_line=comments[-1],
                                          kind=t.FoldingRangeKind.Comment))
            comments = []
        if not stripped or stripped.startswith("#"):
            continue
        if not text.startswith(" "):
            close()
            start = row
        last_code = row
    close()
    return sorted(out, key=lambda r: r.start_line)
