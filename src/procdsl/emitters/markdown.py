"""The Markdown operating manual: a controlled procedure document (SOP) from the model.

``emit_markdown`` builds plain view objects from the validated ``Spec`` (text is kept
raw), and Jinja templates in ``templates/manual/`` lay them out.  Templates escape
every piece of spec text with the ``md`` filter, so spec text is data, never Markdown,
HTML or template code.  docs/manual.md documents the context each template receives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .. import flow
from .. import model as m
from ..collector import paused
from . import facts, header_text, show_bidi
from . import sentences as s
from .jinja import make_environment, packaged_environment
from .words import format_duration

# ------------------------------------------------------------------ escaping

_INLINE = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "`": "\\`", "*": "\\*",
    "[": "\\[", "]": "\\]", "|": "\\|", "~": "\\~", "#": "\\#", "$": "\\$",
})
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")
_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")


# Text with none of these characters (those md_inline escapes, line breaks and bidi
# formatting characters) and no space at either end is already literal Markdown.
_SPECIAL = re.compile(r"[&<>\\`*\[\]|~#$_\r\n\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def md_inline(text: object) -> str:
    """Return spec text as literal Markdown inside a line or a table cell (one line)."""
    raw = str(text)
    if not _SPECIAL.search(raw) and not (raw[:1].isspace() or raw[-1:].isspace()):
        return raw  # nothing to escape: most cells and sentences
    return _md_inline(raw)


def _md_inline(text: str) -> str:
    """Return md_inline(text) the long way (the rule documented in docs/manual.md)."""
    raw = show_bidi(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    lines = [_UNDERSCORE.sub(r"\\_", line.strip().translate(_INLINE))
             for line in raw.split("\n")]
    return "<br>".join(lines)


def md(text: object) -> str:
    """Return spec text as literal Markdown that may also start a line (list item, paragraph)."""
    inline = md_inline(text)
    first = inline[:1]  # _LINE_START needs a digit (\d: isdecimal) or - + = first
    if not first or not (first in "-+=" or first.isdecimal()):
        return inline
    return _LINE_START.sub(_line_start, inline)


def _line_start(g: re.Match[str]) -> str:
    return f"{g[1]}\\{g[2]}" if g[1] else f"\\{g[3]}"


# md_inline of short cells seen before: table cells repeat (R, A/C, empty) row after row.
_CELLS: dict[str, str] = {}
_CELLS_KEPT, _CELL_SIZE = 4096, 32


def md_cells(cells: Iterable[object]) -> str:
    """Return table cells as one Markdown row body: each md_inline, joined by ' | '."""
    out = []
    for cell in cells:  # only exact str cells are kept: hashable, and str(cell) is cell
        if type(cell) is not str or len(cell) > _CELL_SIZE:
            out.append(md_inline(cell))
            continue
        found = _CELLS.get(cell)
        if found is None:
            if len(_CELLS) >= _CELLS_KEPT:
                _CELLS.clear()
            found = _CELLS[cell] = md_inline(cell)
        out.append(found)
    return " | ".join(out)


def md_url(path: str) -> str:
    """Return a relative path as a CommonMark link destination."""
    if not re.search(r"[\s()<>\\]", path):
        return path
    return "<" + re.sub(r"([<>\\])", r"\\\1", path.replace("\n", " ")) + ">"


def fence_for(text: str) -> str:
    """Return a backtick fence longer than any backtick run inside text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


# ------------------------------------------------------------------ views


@dataclass(frozen=True)
class Fact:
    """One labelled line of a step (label is the manual's word, text is plain text)."""

    label: str
    text: str


@dataclass(frozen=True)
class StepView:
    """One numbered step of the procedure."""

    number: int
    name: str
    label: str
    kind: str
    ref: str
    description: str | None
    facts: tuple[Fact, ...]
    checklist: tuple[str, ...]
    route_note: str | None
    routes: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """A table row of plain-text cells."""

    cells: tuple[str, ...]


@dataclass(frozen=True)
class RoleView:
    """A role with what it does, approves, is brought in for and is told."""

    name: str
    title: str | None
    external: bool
    description: str | None
    duties: tuple[Fact, ...]


@dataclass(frozen=True)
class RuleView:
    """A decision table: rows of (number, condition sentence, result)."""

    name: str
    title: str | None
    description: str | None
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Section:
    """A numbered top-level section and the template that renders it."""

    number: int
    key: str
    heading: str
    template: str


# ------------------------------------------------------------------ building the views


class Words(dict[str, str]):
    """The manual's words (labels.json): a dict whose keys also read as attributes.

    Templates write ``t.colon``; Jinja tries the attribute first, and on a plain dict
    that raised (and caught) an AttributeError for every label printed.  Each word is
    also kept as an attribute, except those named like a dict method (``t.items`` stays
    the method, as on any dict).  Build it whole; it is not meant to be changed.
    """

    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(words)
        vars(self).update((k, v) for k, v in words.items() if not hasattr(dict, k))


class _Views:
    """Builds the plain-text views of one spec in one language."""

    def __init__(self, spec: m.Spec, lang: str, labels: dict[str, str]) -> None:
        self.spec, self.lang, self.t = spec, lang, labels
        self.order = flow.flow_order(spec)
        self.numbers = {t.name.text: i for i, t in enumerate(self.order, start=1)}
        self.sep = "；" if lang == "zh" else "; "
        self._raci: dict[str, dict[str, str]] = {}  # each task's letters, worked out once
        self._short: dict[str, str] = {}
        self._duties: dict[str, dict[str, list[str]]] | None = None

    def ref(self, name: str) -> str:
        return s.task_ref(name, self.spec, self.numbers, self.lang)

    def short(self, task: m.Task) -> str:
        name = task.name.text
        found = self._short.get(name)
        if found is None:
            found = self._short[name] = f"{self.numbers[name]}. {task.label}"
        return found

    def step(self, task: m.Task) -> StepView:
        routes = s.task_route_sentences(task, self.spec, self.numbers, self.lang)
        conditional = [r for r in task.routes if r.condition is not None]
        note = None
        if conditional:
            inclusive = any(r.inclusive for r in conditional)
            note = self.t["all_match" if inclusive else "first_match"]
        return StepView(self.numbers[task.name.text], task.name.text, task.label,
                        task.kind.value, self.ref(task.name.text), task.description,
                        tuple(self.facts(task)), task.checklist, note, routes)

    def facts(self, task: m.Task) -> list[Fact]:
        t, spec, lang = self.t, self.spec, self.lang
        out: list[Fact] = []
        if task.title and task.title != task.name.text:
            out.append(Fact(t["step_id"], task.name.text))
        approval = task.kind is m.TaskKind.APPROVAL
        if task.assignee is not None or task.call is None:
            out.append(Fact(t["approvers" if approval else "done_by"],
                            facts.who_text(task.assignee, lang, approval)))
        if approval and task.assignee is not None:
            out.append(Fact(t["mode"], facts.mode_text(task.assignee, lang)))
        out += [Fact(t["exclusions"], facts.exclusion_text(e, task, spec, self.numbers, lang))
                for e in task.exclusions]
        out += [Fact(t["extra"], facts.extra_text(x, spec, lang)) for x in task.extra_approvers]
        if task.for_each is not None:
            out.append(Fact(t["for_each"], facts.for_each_text(task.for_each, spec, lang)))
        if task.join is not None:
            out.append(Fact(t["join"], facts.join_text(task.join, lang)))
        if task.call is not None:
            out.append(Fact(t["call"], facts.call_text(task.call.text, lang)))
        for key, docs in (("inputs", task.inputs), ("outputs", task.outputs)):
            if docs:
                names = [d.name for d in docs]
                out.append(Fact(t[key], ("、" if lang == "zh" else ", ").join(names)))
        if task.sla is not None:
            out.append(Fact(t["sla"], facts.sla_text(task.sla, spec, self.numbers, lang)))
        if task.notifies:
            out.append(Fact(t["notify"], facts.notify_text(task.notifies, lang)))
        return out

    # -------------------------------------------------------------- roles and RACI

    def raci(self, task: m.Task) -> dict[str, str]:
        """Return role -> letters (R, A, C, I) for one task; the rule is in docs/manual.md."""
        found = self._raci.get(task.name.text)
        if found is None:
            found = self._raci[task.name.text] = self._letters(task)
        return found

    def _letters(self, task: m.Task) -> dict[str, str]:
        letters: dict[str, list[str]] = {}

        def add(names: list[str], letter: str) -> None:
            for name in names:
                if letter not in letters.setdefault(name, []):
                    letters[name].append(letter)

        a = task.assignee
        doers = [r.text for r in a.roles] if a is not None else []
        if a is not None and a.mode is m.AssigneeMode.REQUESTER:
            doers = [self.t["requester"]]
        if a is not None and a.mode is m.AssigneeMode.RULE and a.rule is not None:
            doers = self.rule_roles(a.rule.text)
        add(doers, "A" if task.kind is m.TaskKind.APPROVAL else "R")
        add([r.text for x in task.extra_approvers for r in x.roles], "C")
        breaches = task.sla.breaches if task.sla is not None else ()
        add([r.text for b in breaches if b.kind is m.BreachKind.ESCALATE for r in b.roles], "C")
        add([r.text for b in breaches if b.kind is m.BreachKind.NOTIFY for r in b.roles], "I")
        add([r.text for n in task.notifies for r in n.roles], "I")
        order = "RACI"
        return {k: "/".join(sorted(v, key=order.index)) for k, v in letters.items()}

    def rule_roles(self, name: str) -> list[str]:
        rule = self.spec.rule(name)
        rows = rule.rows if rule is not None else ()
        found: list[str] = []
        for row in rows:
            if row.result.kind is m.ResultKind.ROLES:
                found += [n.text for n in row.result.names if n.text not in found]
        return found

    def raci_table(self) -> tuple[tuple[str, ...], tuple[Row, ...]]:
        columns = [r.name.text for r in self.spec.roles]
        cells = {t.name.text: self.raci(t) for t in self.order}
        extra = [n for c in cells.values() for n in c if n not in columns]
        for name in extra:
            if name not in columns:
                columns.append(name)
        rows = tuple(Row((self.short(t), *(cells[t.name.text].get(c, "") for c in columns)))
                     for t in self.order)
        return (self.t["step"], *columns), rows

    def duties(self) -> dict[str, dict[str, list[str]]]:
        """Return role -> letter -> the tasks (short form, in order) it has that letter on."""
        if self._duties is None:
            per: dict[str, dict[str, list[str]]] = {}
            for task in self.order:  # one pass, not one per role
                for name, letters in self.raci(task).items():
                    for letter in letters.split("/"):
                        if letter:
                            per.setdefault(name, {"R": [], "A": [], "C": [], "I": []})[
                                letter].append(self.short(task))
            self._duties = per
        return self._duties

    def role(self, role: m.Role) -> RoleView:
        name, t = role.name.text, self.t
        per = self.duties().get(name) or {"R": [], "A": [], "C": [], "I": []}
        duties = [Fact(t[key], self.sep.join(per[letter]))
                  for key, letter in (("does", "R"), ("approves", "A"),
                                      ("consulted", "C"), ("told", "I")) if per[letter]]
        may = self.role_rights(name)
        if may:
            duties.append(Fact(t["may"], self.sep.join(may)))
        return RoleView(name, role.title, role.external, role.description, tuple(duties))

    def role_rights(self, name: str) -> list[str]:
        zh, p = self.lang == "zh", self.spec.process
        rights = []
        if any(name in [r.text for r in c.roles] for c in p.cancels):
            rights.append("随时取消流程" if zh else "cancel the case at any time")
        for act in p.actions:
            if name in [r.text for r in act.assignee.roles]:
                rights.append(s.quote(act.title or act.name.text, self.lang))
        return rights

    # -------------------------------------------------------------- approvals and rules

    def approvals(self) -> tuple[Row, ...]:
        rows = []
        for task in self.order:
            if task.kind is not m.TaskKind.APPROVAL:
                continue
            a = task.assignee
            extra = [facts.extra_text(x, self.spec, self.lang) for x in task.extra_approvers]
            excl = [facts.exclusion_text(e, task, self.spec, self.numbers, self.lang)
                    for e in task.exclusions]
            rows.append(Row((self.short(task), facts.mode_text(a, self.lang) if a else self.t["none"],
                             facts.who_text(a, self.lang, True), self.sep.join(extra) or self.t["none"],
                             self.sep.join(excl) or self.t["none"])))
        return tuple(rows)

    def result_text(self, result: m.RuleResult) -> str:
        names = [n.text for n in result.names]
        if result.kind is m.ResultKind.STEP and names:
            return self.ref(names[0])
        if result.kind is m.ResultKind.VALUE and result.value is not None:
            return s.literal_text(result.value, self.lang)
        if len(names) > 1:
            return " → ".join(names) + ("（依次审批）" if self.lang == "zh" else " (in order)")
        return names[0] if names else self.t["none"]

    def rule(self, rule: m.Rule) -> RuleView:
        rows = []
        for i, row in enumerate(rule.rows, start=1):
            cond = (s.condition_sentence(row.condition, self.spec, self.lang)
                    if row.condition is not None else self.t["otherwise"])
            rows.append(Row((str(i), cond, self.result_text(row.result))))
        return RuleView(rule.name.text, rule.title, rule.description, tuple(rows))

    # -------------------------------------------------------------- time, forms, others

    def timing(self) -> tuple[Row, ...]:
        none, rows = self.t["none"], []
        items: list[tuple[str, m.Sla | None]] = [(self.t["whole_process"],
                                                  self.spec.process.sla)]
        items += [(self.short(task), task.sla) for task in self.order]
        for label, sla in items:
            if sla is None:
                continue
            breaches = [facts.breach_text(b, self.spec, self.numbers, self.lang)
                        for b in sla.breaches]
            rows.append(Row((label, format_duration(sla.duration, self.lang),
                             facts.reminders_text(sla, self.lang) or none,
                             self.sep.join(breaches) or none)))
        return tuple(rows)

    def calendar(self, cal: m.Calendar) -> tuple[str, ...]:
        zh, lang = self.lang == "zh", self.lang
        comma = "、" if zh else ", "
        to = " 至 " if zh else " to "
        spans = [(("工作日", "Working days"), [facts.day_span_text(d, lang) for d in cal.workdays]),
                 (("工作时间", "Working hours"),
                  [f"{h.start // 60:02d}:{h.start % 60:02d}–{h.end // 60:02d}:{h.end % 60:02d}"
                   for h in cal.hours]),
                 (("节假日（不上班）", "Holidays (not working)"),
                  [d.first if d.first == d.last else f"{d.first}{to}{d.last}"
                   for d in cal.holidays]),
                 (("调休上班日", "Make-up working days"),
                  [d.first if d.first == d.last else f"{d.first}{to}{d.last}"
                   for d in cal.makeup_days]),
                 (("时区", "Time zone"), [cal.timezone.text] if cal.timezone else [])]
        lines = [f"{pair[0 if zh else 1]}{'：' if zh else ': '}{comma.join(items)}"
                 for pair, items in spans if items]
        return tuple(lines + ([cal.description] if cal.description else []))

    def forms(self) -> tuple[Row, ...]:
        # Ordered sets (dicts of None): a list's membership scan made a form that many
        # tasks use quadratic in their number.
        made: dict[str, dict[str, None]] = {}
        used: dict[str, dict[str, None]] = {}
        for task in self.order:
            for docs, table in ((task.outputs, made), (task.inputs, used)):
                for doc in docs:
                    made.setdefault(doc.name, {})
                    used.setdefault(doc.name, {})
                    table[doc.name][self.short(task)] = None
        none = self.t["none"]
        return tuple(Row((name, self.sep.join(made[name]) or none,
                          self.sep.join(used[name]) or none)) for name in made)

    def others(self) -> tuple[str, ...]:
        zh, p, lang = self.lang == "zh", self.spec.process, self.lang
        out = []
        if p.withdraw is not None:
            steps = s.list_words([self.ref(n.text) for n in p.withdraw.steps], lang, "or")
            go = facts.route_target_text(p.withdraw.target, self.spec, self.numbers, lang)
            out.append(f"发起人可在{steps}办理期间撤回申请；撤回后{go}，进行中的工作一并取消。"
                       if zh else f"The requester may withdraw the case while {steps} is in "
                       f"progress; then {go}, and any work in progress is cancelled.")
        for c in p.cancels:
            roles = s.list_words([r.text for r in c.roles], lang)
            go = facts.route_target_text(c.target, self.spec, self.numbers, lang)
            out.append(s.join_zh([roles, f"可随时取消流程；取消后{go}，进行中的工作一并取消。"])
                       if zh else f"Anyone in {roles} may cancel the case at any time; then {go}, "
                       "and any work in progress is cancelled.")
        for act in p.actions:
            title = s.quote(act.title or act.name.text, lang)
            who = facts.who_text(act.assignee, lang)
            steps = s.list_words([self.ref(n.text) for n in act.steps], lang, "or")
            out.append(s.join_zh([f"{title}：由", who, f"执行，仅限{steps}办理期间。"])
                       if zh else f"{title}: done by {who}, only while {steps} is in "
                       "progress, and at no other time.")
        return tuple(out)

    def type_text(self, t: m.DataType) -> str:
        zh = self.lang == "zh"
        words = {m.TypeKind.BOOL: ("是/否", "yes or no"), m.TypeKind.INT: ("整数", "whole number"),
                 m.TypeKind.DECIMAL: ("数值", "number"), m.TypeKind.MONEY: ("金额", "money"),
                 m.TypeKind.TEXT: ("文本", "text"), m.TypeKind.DATE: ("日期", "date")}
        if t.kind is m.TypeKind.ENUM:
            values = [v.text for v in t.values]
            return "选项：" + "、".join(values) if zh else "one of " + ", ".join(values)
        if t.kind is m.TypeKind.LIST and t.item is not None:
            item = self.type_text(t.item)
            return f"列表（每项为{item}）" if zh else f"list of {item}"
        return words[t.kind][0 if zh else 1] if t.kind in words else t.kind.value

    def terms(self) -> tuple[Row, ...]:
        return tuple(Row((f.name.text, self.type_text(f.type), f.description or self.t["none"]))
                     for f in self.spec.fields)


# ------------------------------------------------------------------ the document

_SECTIONS = ("purpose", "scope", "terms", "roles", "raci", "flowchart", "procedure",
             "approvals", "timing", "others", "forms", "references", "revision")


def _sections(present: dict[str, bool], t: dict[str, str]) -> tuple[Section, ...]:
    keys = [k for k in _SECTIONS if present.get(k, True)]
    return tuple(Section(i, k, t[k], f"{k}.md.j2") for i, k in enumerate(keys, start=1))


def load_labels(env_loader_source: str | None, lang: str) -> dict[str, str]:
    """Return the manual's words: the packaged labels.json, overridden key by key."""
    packaged = json.loads(resources.files("procdsl").joinpath(
        "emitters/templates/manual/labels.json").read_text(encoding="utf-8"))
    words = dict(packaged["en" if lang != "zh" else "zh"])
    if env_loader_source is not None:
        override = json.loads(env_loader_source)
        words.update(override.get(lang, {}))
    return words


def _context(spec: m.Spec, lang: str, t: dict[str, str], diagram: str | None,
             mermaid: str | None) -> dict[str, object]:
    v = _Views(spec, lang, t)
    p = spec.process
    columns, raci_rows = v.raci_table()
    cal = spec.process_calendar
    approvals, others = v.approvals(), v.others()
    present = {"purpose": p.purpose is not None, "scope": p.scope is not None,
               "terms": bool(spec.fields), "approvals": bool(approvals or spec.rules),
               "others": bool(others), "references": bool(p.references)}
    return {
        "lang": lang, "t": t, "process": p,
        "process_sla": facts.sla_text(p.sla, spec, v.numbers, lang) if p.sla else None,
        "first_step": v.ref(spec.start_task.name.text) if spec.start_task else None,
        "sections": _sections(present, t), "terms": v.terms(),
        "roles": tuple(v.role(r) for r in spec.roles),
        "raci_columns": columns, "raci_rows": raci_rows,
        "diagram": diagram, "mermaid": mermaid, "fence": fence_for(mermaid or ""),
        "steps": tuple(v.step(task) for task in v.order),
        "ends": spec.ends, "approvals": approvals,
        "rules": tuple(v.rule(r) for r in spec.rules), "timing": v.timing(),
        "calendar": cal, "calendar_lines": v.calendar(cal) if cal else (),
        "others": others, "forms": v.forms(), "source": spec.path,
    }


def emit_markdown(spec: m.Spec, *, lang: str, diagram: str | None = None,
                  mermaid: str | None = None, templates: Path | None = None) -> str:
    """Return the operating manual of spec as Markdown, in lang ('zh' or 'en')."""
    override = None
    if templates is None:
        env = packaged_environment("manual", _filters(lang), _INLINED)
    else:
        env = make_environment("manual", dict(_filters(lang)), templates, auto_reload=False)
        if (templates / "labels.json").is_file():
            override = (templates / "labels.json").read_text(encoding="utf-8")
    t = Words(load_labels(override, lang))
    mermaid = mermaid.strip("\n") if mermaid else None
    with paused():
        context = _context(spec, lang, t, diagram, mermaid)
        context["header"] = comment_text(header_text(spec.path))
        text = env.get_template("manual.md.j2").render(context)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


# The packaged procedure template includes the step template once per step; with no
# --templates folder both are the packaged ones, and the step is inlined (same text).
_INLINED = (("procedure.md.j2", "step.md.j2"),)


@lru_cache(maxsize=8)
def _filters(lang: str) -> tuple[tuple[str, Callable[..., str]], ...]:
    """Return the manual's filters for lang (the same objects each time: see packaged_environment)."""
    def paren(text: str) -> str:
        return f"（{text}）" if lang == "zh" else f" ({text})"

    return (("md", md), ("md_inline", md_inline), ("md_cells", md_cells), ("md_url", md_url),
            ("paren", paren))


def comment_text(text: str) -> str:
    """Return text that cannot end the HTML comment it is written in."""
    return text.replace("\n", " ").replace("--", "- -")
