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

from .. import model as m
from ..doccontrol import DocumentControl, control_for, control_tables
from ..kinds import Acting, Way
from ..plan import ANYWHERE, UNASSIGNED_LANE, PlanLane, plan_of
from ..vocabulary import duration as format_duration
from ..vocabulary import role_words, type_text
from . import facts, header_text, show_bidi
from . import sentences as s
from .jinja import make_environment, packaged_environment

# ------------------------------------------------------------------ escaping

_INLINE = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "`": "\\`", "*": "\\*",
    "[": "\\[", "]": "\\]", "|": "\\|", "~": "\\~", "#": "\\#", "$": "\\$",
})
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")
# An underscore not between two letters or digits (a run like "__" opens emphasis too)
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")


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


def md_cells(cells: Iterable[object]) -> str:
    """Return table cells as one Markdown row body: each md_inline, joined by ' | '."""
    return " | ".join([md_inline(cell) for cell in cells])


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
        # routes, lanes (who acts) and deadlines: the lowered plan's, nothing worked out here
        self.plan = plan_of(spec)
        self.order = self.plan.order
        self.acts: dict[str, list[tuple[PlanLane, Acting]]] = {}
        for lane in self.plan.lanes:
            for actor in lane.actors:
                self.acts.setdefault(actor.task, []).append((lane, actor.how))
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

    def route_sentences(self, task: m.Task) -> tuple[str, ...]:
        """Return the plan's routes from task as sentences: written routes in order, each
        followed by its cap route, then the SLA gotos."""
        spec, numbers, lang = self.spec, self.numbers, self.lang
        out: list[str] = []
        conditional: set[str] = set()
        said: set[int] = set()
        for r in self.plan.routes_from(task.name.text):
            route = r.route
            if r.kind is Way.BREACH and r.to is not None:
                out.append(s.breach_sentence(r.to, spec, numbers, lang))
            elif route is None or r.kind in (Way.ESCALATE, Way.WITHDRAW):
                continue  # the task's time limit and the process's rules say these
            elif r.kind is Way.CAP:
                fallback = route.condition is None and route.action in conditional
                out.append(s.cap_sentence(route, spec, numbers, lang, fallback))
            elif r.index not in said:  # one sentence per written route, whatever its targets
                said.add(r.index)
                fallback = route.condition is None and route.action in conditional
                out.append(s.route_sentence(route, spec, numbers, lang, fallback))
                if route.condition is not None:
                    conditional.add(route.action)
        return tuple(out)

    def step(self, task: m.Task) -> StepView:
        routes = self.route_sentences(task)
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
                            facts.who_text(task.assignee, spec, lang, approval)))
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
        deadline = self.plan.deadline(task.name.text)
        if deadline is not None:
            out.append(Fact(t["sla"], facts.sla_text(deadline.sla, spec, self.numbers, lang)))
        if task.notifies:
            out.append(Fact(t["notify"], facts.notify_text(task.notifies, spec, lang)))
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

        acting = [(lane.role or self.t["requester"], how) for lane, how in
                  self.acts.get(task.name.text, ()) if lane.key != UNASSIGNED_LANE]
        doing = (Acting.DOES, Acting.CO_APPROVES, Acting.BY_RULE)
        add([name for name, how in acting if how in doing],
            "A" if task.kind is m.TaskKind.APPROVAL else "R")
        add([name for name, how in acting if how not in doing], "C")
        deadline = self.plan.deadline(task.name.text)
        breaches = deadline.breaches if deadline is not None else ()
        add([r for b in breaches if b.kind is m.BreachKind.NOTIFY for r in b.roles], "I")
        add([r.text for n in task.notifies for r in n.roles], "I")
        order = "RACI"
        return {k: "/".join(sorted(v, key=order.index)) for k, v in letters.items()}

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
                             facts.who_text(a, self.spec, self.lang, True), self.sep.join(extra) or self.t["none"],
                             self.sep.join(excl) or self.t["none"])))
        return tuple(rows)

    def result_text(self, result: m.RuleResult) -> str:
        names = [n.text for n in result.names]
        if result.kind is m.ResultKind.STEP and names:
            return self.ref(names[0])
        if result.kind is m.ResultKind.VALUE and result.value is not None:
            return s.literal_text(result.value, self.lang)
        if result.kind is m.ResultKind.ROLES:
            names = role_words(self.spec, result.names, self.lang)
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
        for d in self.plan.deadlines:  # the case's first, then the tasks' in reading order
            task = self.spec.task(d.scope) if d.scope != ANYWHERE else None
            label = self.short(task) if task is not None else self.t["whole_process"]
            breaches = [facts.breach_text(b.breach, self.spec, self.numbers, self.lang)
                        for b in d.breaches]
            rows.append(Row((label, format_duration(d.limit, self.lang),
                             facts.reminders_text(d.sla, self.lang) or none,
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
            roles = s.list_words(role_words(self.spec, c.roles, lang), lang)
            go = facts.route_target_text(c.target, self.spec, self.numbers, lang)
            out.append(s.join_zh([roles, f"可随时取消流程；取消后{go}，进行中的工作一并取消。"])
                       if zh else f"Anyone in {roles} may cancel the case at any time; then {go}, "
                       "and any work in progress is cancelled.")
        for act in p.actions:
            title = s.quote(act.title or act.name.text, lang)
            who = facts.who_text(act.assignee, self.spec, lang)
            steps = s.list_words([self.ref(n.text) for n in act.steps], lang, "or")
            out.append(s.join_zh([f"{title}：由", who, f"执行，仅限{steps}办理期间。"])
                       if zh else f"{title}: done by {who}, only while {steps} is in "
                       "progress, and at no other time.")
        return tuple(out)

    def terms(self) -> tuple[Row, ...]:
        return tuple(Row((f.name.text, type_text(f.type, self.lang), f.description or self.t["none"]))
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


def manual_context(spec: m.Spec, lang: str, t: dict[str, str], diagram: str | None,
                   mermaid: str | None) -> dict[str, object]:
    """Return what the manual templates (and the Word/PDF document model) render."""
    v = _Views(spec, lang, t)
    case_deadline = v.plan.deadline(ANYWHERE)
    p = spec.process
    columns, raci_rows = v.raci_table()
    cal = spec.process_calendar
    approvals, others = v.approvals(), v.others()
    present = {"purpose": p.purpose is not None, "scope": p.scope is not None,
               "terms": bool(spec.fields), "approvals": bool(approvals or spec.rules),
               "others": bool(others), "references": bool(p.references)}
    return {
        "lang": lang, "t": t, "process": p,
        "process_sla": facts.sla_text(case_deadline.sla, spec, v.numbers, lang)
        if case_deadline is not None else None,
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
                  mermaid: str | None = None, templates: Path | None = None,
                  control: DocumentControl | None = None) -> str:
    """Return the operating manual of spec as Markdown, in lang ('zh' or 'en').

    control is its document control (procdsl.doccontrol); by default the spec's own."""
    override = None
    if templates is None:
        env = packaged_environment("manual", _filters(lang), _INLINED)
    else:
        env = make_environment("manual", dict(_filters(lang)), templates, auto_reload=False)
        if (templates / "labels.json").is_file():
            override = (templates / "labels.json").read_text(encoding="utf-8")
    t = Words(load_labels(override, lang))
    mermaid = mermaid.strip("\n") if mermaid else None
    context = manual_context(spec, lang, t, diagram, mermaid)
    context["header"] = comment_text(header_text(spec.path))
    context["control"] = control_tables(control or control_for(spec), lang, t)
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
