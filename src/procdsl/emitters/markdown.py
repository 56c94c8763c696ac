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
from ..kinds import Acting, AssigneeMode, TargetKind, Way
from ..plan import ANYWHERE, UNASSIGNED_LANE, Plan, PlanLane, plan_of
from ..provenance import has_provenance
from ..vocabulary import approver_lane, field_type_text, role_word, role_words, spoken
from ..vocabulary import duration as format_duration
from . import facts, header_text, show_bidi
from . import sentences as s
from .audit import AuditViews
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

    number: str  # "3" on the main path, "E1" for an exception step
    name: str
    label: str
    kind: str
    ref: str
    description: str | None
    facts: tuple[Fact, ...]
    checklist: tuple[str, ...]
    route_note: str | None
    routes: tuple[str, ...]
    exception: bool = False  # reached only by a rejection, rework, cap or time-out
    first_exception: bool = False  # the first exception step (the procedure says so before it)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Return the description's paragraphs (one per ``说明`` line of the spec)."""
        return tuple(p for p in (self.description or "").split("\n\n") if p.strip())


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


_NORMAL = (Way.THEN, Way.WHEN, Way.OTHERWISE, Way.ALSO)


def main_path(spec: m.Spec, plan: Plan) -> tuple[tuple[m.Task, ...], tuple[m.Task, ...]]:
    """Return the tasks of the main path and the exception steps, each in reading order.

    The main path is what a case goes through when nothing goes wrong: the written routes
    but rejections and returns (no cap, time-out, withdrawal or cancellation), without the
    loops back (an edge to a task still on the search path), and only the tasks from which
    such routes reach a successful end or a branch that simply stops.  Every other task is
    an exception step (告知原因, 返工, 放弃注册...).
    """
    edges: dict[str, list[str]] = {}
    good: set[str] = set()  # tasks with a normal route to a successful end, or none at all
    for task in plan.order:
        name = task.name.text
        normal = [r for r in plan.routes_from(name) if r.kind in _NORMAL
                  and r.action not in (m.REJECT, m.RETURN)]
        edges[name] = [r.target for r in normal if r.target_kind is TargetKind.STEP]
        ends = [spec.end(r.target) for r in normal if r.target_kind is TargetKind.END]
        if not normal or any(e is not None and e.success for e in ends):
            good.add(name)
    forward: dict[str, list[str]] = {n: [] for n in edges}
    start = spec.start_task
    if start is not None:  # iterative depth-first search: drop the edges back onto the path
        on_path, seen = {start.name.text}, {start.name.text}
        stack = [(start.name.text, iter(edges[start.name.text]))]
        while stack:
            here, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                stack.pop()
                on_path.discard(here)
            elif nxt in edges and nxt not in on_path:
                forward[here].append(nxt)
                if nxt not in seen:
                    seen.add(nxt)
                    on_path.add(nxt)
                    stack.append((nxt, iter(edges[nxt])))
    reached = _reach(start.name.text, forward) if start is not None else set()
    back: dict[str, list[str]] = {n: [] for n in edges}
    for src, targets in forward.items():
        for dst in targets:
            back[dst].append(src)
    succeeds: set[str] = set()
    for name in good & reached:
        succeeds |= _reach(name, back)
    main = tuple(t for t in plan.order if t.name.text in reached & succeeds)
    if not main:  # nothing ends well (a checked spec has a success end): number it all
        return plan.order, ()
    return main, tuple(t for t in plan.order if t.name.text not in reached & succeeds)


def _reach(first: str, edges: dict[str, list[str]]) -> set[str]:
    seen, todo = {first}, [first]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


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


class _Views(AuditViews):
    """Builds the plain-text views of one spec in one language."""

    def __init__(self, spec: m.Spec, lang: str, labels: dict[str, str]) -> None:
        self.spec, self.lang, self.t = spec, lang, labels
        # routes, lanes (who acts) and deadlines: the lowered plan's, nothing worked out here
        self.plan = plan_of(spec)
        main, exceptions = main_path(spec, self.plan)
        self.order = main + exceptions
        self.exceptions = frozenset(t.name.text for t in exceptions)
        self.acts: dict[str, list[tuple[PlanLane, Acting]]] = {}
        for lane in self.plan.lanes:
            for actor in lane.actors:
                self.acts.setdefault(actor.task, []).append((lane, actor.how))
        # the main path 1, 2, 3...; the steps only a rejection, rework or time-out reaches E1, E2...
        self.numbers = {t.name.text: str(i) for i, t in enumerate(main, start=1)}
        self.numbers.update((t.name.text, f"E{i}") for i, t in enumerate(exceptions, start=1))
        self.sep = "；" if lang == "zh" else "; "
        self.marks = has_provenance(spec)  # the 依据 columns are shown only when it marks any
        self._raci: dict[str, dict[str, str]] = {}  # each task's letters, worked out once
        self._short: dict[str, str] = {}
        self._duties: dict[str, dict[str, list[str]]] | None = None

    def ref(self, name: str) -> str:
        return s.task_ref(name, self.spec, self.numbers, self.lang)

    def basis(self, *found: m.Provenance | None) -> str:
        """Return where rules come from ('依据：原文第 3 条；补充：由风控部拟定'), or ''."""
        words = {m.ProvenanceKind.SOURCE: self.t["source_word"],
                 m.ProvenanceKind.ADDED: self.t["added_word"]}
        parts = list(dict.fromkeys(f"{words[p.kind]}{self.t['colon']}{self.t['gap']}{p.text}"
                                   for p in found if p is not None))
        return self.sep.join(parts)

    def marked(self, text: str, *found: m.Provenance | None) -> str:
        """Return text with its provenance after it, in brackets."""
        basis = self.basis(*found)
        if not basis:
            return text
        return f"{text}［{basis}］" if self.lang == "zh" else f"{text} [{basis}]"

    def short(self, task: m.Task) -> str:
        name = task.name.text
        found = self._short.get(name)
        if found is None:
            found = self._short[name] = f"{self.numbers[name]}. {s.task_title(task)}"
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
                out.append(self.marked(s.route_sentence(route, spec, numbers, lang, fallback),
                                       route.provenance))
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
        name = task.name.text
        first = name in self.exceptions and self.order[len(self.order) - len(self.exceptions)] is task
        return StepView(self.numbers[name], name, s.task_title(task),
                        task.kind.value, self.ref(name), task.description,
                        tuple(self.facts(task)), task.checklist, note, routes,
                        name in self.exceptions, first)

    def facts(self, task: m.Task) -> list[Fact]:
        t, spec, lang = self.t, self.spec, self.lang
        out: list[Fact] = []
        if lang == "zh" and task.title and task.title != task.name.text:
            out.append(Fact(t["step_id"], task.name.text))
        approval = task.kind is m.TaskKind.APPROVAL
        if task.assignee is not None or task.call is None:
            out.append(Fact(t["approvers" if approval else "done_by"], self.marked(
                facts.who_text(task.assignee, spec, lang, approval),
                task.assignee.provenance if task.assignee is not None else None)))
        if approval and task.assignee is not None:
            out.append(Fact(t["mode"], facts.approval_text(task, spec, lang)))
        out += [Fact(t["exclusions"], self.marked(
            facts.exclusion_text(e, task, spec, self.numbers, lang), e.provenance))
                for e in task.exclusions]
        out += [Fact(t["extra"], self.marked(facts.extra_text(x, spec, lang), x.provenance))
                for x in task.extra_approvers]
        out += [Fact(t["decides"], self.marked(self.setting(x), x.provenance)) for x in task.sets]
        if task.for_each is not None:
            out.append(Fact(t["for_each"], facts.for_each_text(task.for_each, spec, lang)))
        if task.join is not None:
            out.append(Fact(t["join"], facts.join_text(task.join, lang)))
        if task.call is not None:
            out.append(Fact(t["call"], facts.call_text(task.call.text, lang)))
        for key, docs in (("inputs", task.inputs), ("outputs", task.outputs)):
            if docs:
                names = [self.word(d.name) for d in docs]
                out.append(Fact(t[key], ("、" if lang == "zh" else ", ").join(names)))
        deadline = self.plan.deadline(task.name.text)
        if deadline is not None:
            out.append(Fact(t["sla"], self.marked(
                facts.sla_text(deadline.sla, spec, self.numbers, lang), deadline.sla.provenance,
                *(b.provenance for b in deadline.sla.breaches))))
        if task.notifies:
            out.append(Fact(t["notify"], facts.notify_text(task.notifies, spec, lang)))
        return out

    # -------------------------------------------------------------- roles and RACI

    def raci(self, task: m.Task) -> dict[str, str]:
        """Return role -> letters (R, A, C, I) for one task; the rule is in docs/manual.md."""
        found = self._raci.get(task.name.text)
        if found is None:
            found = self._raci[task.name.text] = self._letters(task)[0]
        return found

    def lane_name(self, lane: PlanLane) -> str:
        if lane.role is not None:
            return lane.role
        if lane.approver is not None:
            return approver_lane(lane.approver, self.lang)
        return self.t["requester"]

    def _letters(self, task: m.Task) -> tuple[dict[str, str], list[str]]:
        """Return the letters per role and the notes (who approves on what condition).

        Exactly one role is accountable (A) for a task: the one doer of a step (R/A; of
        several the first), the approver, the last of approvers in order, the first of a
        countersign (the others are R); a conditional approver (``also by``, a rule's row)
        is A on its condition, said in the notes.  An escalation has its own column."""
        letters: dict[str, list[str]] = {}
        notes: list[str] = []

        def add(names: list[str], letter: str) -> None:
            for name in names:
                if letter not in letters.setdefault(name, []):
                    letters[name].append(letter)

        acting = [(self.lane_name(lane), how) for lane, how in
                  self.acts.get(task.name.text, ()) if lane.key != UNASSIGNED_LANE]
        doers = list(dict.fromkeys(n for n, how in acting if how in (Acting.DOES, Acting.CO_APPROVES)))
        a = task.assignee
        if doers and not (a is not None and a.mode is AssigneeMode.RULE):
            lead = doers[-1] if a is not None and a.mode is AssigneeMode.SEQUENCE else doers[0]
            if task.kind is m.TaskKind.APPROVAL:
                add([n for n in doers if n != lead], "R")
                add([lead], "A")
            else:
                add(doers, "R")
                add([lead], "A")
        if a is not None and a.mode is AssigneeMode.RULE and a.rule is not None:
            notes += self._rule_notes(a.rule.text, add)
        for x in task.extra_approvers:
            names = [r.text for r in x.roles]
            add(names, "(A)")
            cond = s.condition_sentence(x.condition, self.spec, self.lang)
            who = s.list_words(role_words(self.spec, x.roles, self.lang), self.lang)
            notes.append(s.join_zh([who, f"：{cond}时另需批准"]) if self.lang == "zh"
                         else f"{who}: also approves if {cond}")
        add([n for n, how in acting if how is Acting.IF_EMPTY], "C")
        deadline = self.plan.deadline(task.name.text)
        breaches = deadline.breaches if deadline is not None else ()
        add([r for b in breaches if b.kind is m.BreachKind.NOTIFY for r in b.roles], "I")
        add([r.text for n in task.notifies for r in n.roles], "I")
        order = ("R", "A", "(A)", "C", "I")
        return {k: "/".join(sorted(v, key=order.index)) for k, v in letters.items()}, notes

    def _rule_notes(self, rule_name: str, add: Callable[[list[str], str], None]) -> list[str]:
        """Give each role a rule can name its letter ((A) where it has the last word, R where
        it signs before others) and return when each approves."""
        rule = self.spec.rule(rule_name)
        if rule is None:
            return []
        when: dict[str, list[str]] = {}
        for row in rule.rows:
            if row.result.kind is not m.ResultKind.ROLES or not row.result.names:
                continue
            cond = (s.condition_sentence(row.condition, self.spec, self.lang)
                    if row.condition is not None else self.t["otherwise"] if self.lang == "zh"
                    else "no row above applies")
            names = [n.text for n in row.result.names]
            add(names[:-1], "R")
            add(names[-1:], "(A)")
            when.setdefault(names[-1], []).append(cond)
        word = "或" if self.lang == "zh" else " or "
        return [s.join_zh([role_word(self.spec, who, "zh"), f"：{word.join(conds)}时批准"])
                if self.lang == "zh" else
                f"{role_word(self.spec, who, self.lang)}: approves if {word.join(conds)}"
                for who, conds in when.items()]

    def escalations(self, task: m.Task) -> str:
        deadline = self.plan.deadline(task.name.text)
        roles = [r for b in (deadline.breaches if deadline is not None else ())
                 if b.kind is m.BreachKind.ESCALATE for r in b.breach.roles[:1]]
        return self.sep.join(role_words(self.spec, roles, self.lang)) or ""

    def raci_table(self) -> tuple[tuple[str, ...], tuple[Row, ...]]:
        columns = [r.name.text for r in self.spec.roles]
        heads = {c: role_word(self.spec, c, self.lang) for c in columns}
        cells = {t.name.text: self.raci(t) for t in self.order}
        extra = [n for c in cells.values() for n in c if n not in columns]
        for name in extra:
            if name not in columns:
                columns.append(name)
        used = columns
        rows = tuple(Row((self.short(t), *(cells[t.name.text].get(c, "") for c in used),
                          self.escalations(t), self.sep.join(self._letters(t)[1])))
                     for t in self.order)
        return (self.t["step"], *(heads.get(c, c) for c in used), self.t["raci_escalation"],
                self.t["raci_notes"]), rows

    def duties(self) -> dict[str, dict[str, list[str]]]:
        """Return role -> letter -> the tasks (short form, in order) it has that letter on."""
        if self._duties is None:
            per: dict[str, dict[str, list[str]]] = {}
            def blank() -> dict[str, list[str]]:
                return {"R": [], "A": [], "C": [], "I": [], "T": []}
            for task in self.order:  # one pass, not one per role
                for name, letters in self.raci(task).items():
                    for letter in letters.split("/"):
                        if letter == "A" and task.kind is not m.TaskKind.APPROVAL:
                            continue  # the one doer of a step answers for it: "does" says so
                        if letter == "R" and task.kind is m.TaskKind.APPROVAL:
                            letter = "A"  # signing in a countersign or sequence is approving
                        tasks = per.setdefault(name, blank())[letter.strip("()")] if letter else []
                        if letter and (not tasks or tasks[-1] != self.short(task)):
                            tasks.append(self.short(task))
                deadline = self.plan.deadline(task.name.text)
                for b in deadline.breaches if deadline is not None else ():
                    if b.kind is m.BreachKind.ESCALATE:
                        for r in b.breach.roles[:1]:
                            per.setdefault(r.text, blank())["T"].append(self.short(task))
            self._duties = per
        return self._duties

    def role(self, role: m.Role) -> RoleView:
        name, t = role.name.text, self.t
        per = self.duties().get(name) or {"R": [], "A": [], "C": [], "I": [], "T": []}
        duties = [Fact(t[key], self.sep.join(per[letter]))
                  for key, letter in (("does", "R"), ("approves", "A"), ("consulted", "C"),
                                      ("takes_over", "T"), ("told", "I")) if per[letter]]
        may = self.role_rights(name)
        if may:
            duties.append(Fact(t["may"], self.sep.join(may)))
        if self.lang != "zh":  # English prose names a role by its title, never its identifier
            return RoleView(role_word(self.spec, name, self.lang), None, role.external,
                            role.description, tuple(duties))
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
            basis = self.basis(a.provenance if a else None,
                               *(x.provenance for x in task.extra_approvers),
                               *(e.provenance for e in task.exclusions))
            rows.append(Row((self.short(task), facts.mode_text(a, self.lang) if a else self.t["none"],
                             facts.who_text(a, self.spec, self.lang, True), self.sep.join(extra) or self.t["none"],
                             self.sep.join(excl) or self.t["none"],
                             *((basis or self.t["none"],) if self.marks else ()))))
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
            rows.append(Row((str(i), cond, self.result_text(row.result),
                             *((self.basis(row.provenance) or self.t["none"],)
                               if self.marks else ()))))
        if self.lang != "zh":
            return RuleView(rule.title or spoken(rule.name.text), None, rule.description, tuple(rows))
        return RuleView(rule.name.text, rule.title, rule.description, tuple(rows))

    # -------------------------------------------------------------- time, forms, others

    def timing(self) -> tuple[Row, ...]:
        none, rows = self.t["none"], []
        for d in self.deadlines():  # the case's first, then the tasks' in manual order
            task = self.spec.task(d.scope) if d.scope != ANYWHERE else None
            label = self.short(task) if task is not None else self.t["whole_process"]
            breaches = [facts.breach_text(b.breach, self.spec, self.numbers, self.lang)
                        for b in d.breaches]
            basis = self.basis(d.sla.provenance, *(b.provenance for b in d.sla.breaches))
            rows.append(Row((label, format_duration(d.limit, self.lang),
                             facts.reminders_text(d.sla, self.lang) or none,
                             self.sep.join(breaches) or none,
                             *((basis or none,) if self.marks else ()))))
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
        return tuple(Row((self.word(name), self.sep.join(made[name]) or none,
                          self.sep.join(used[name]) or none)) for name in made)

    def others(self) -> tuple[str, ...]:
        zh, p, lang = self.lang == "zh", self.spec.process, self.lang
        out = []
        if p.withdraw is not None:
            steps = s.list_words([self.ref(n.text) for n in p.withdraw.steps], lang, "or")
            go = facts.route_target_text(p.withdraw.target, self.spec, self.numbers, lang)
            out.append(self.marked(
                f"发起人可在{steps}办理期间撤回申请；撤回后{go}，进行中的工作一并取消。"
                if zh else f"The requester may withdraw the case while {steps} is in "
                f"progress; then {go}, and any work in progress is cancelled.",
                p.withdraw.provenance))
        for c in p.cancels:
            roles = s.list_words(role_words(self.spec, c.roles, lang), lang)
            go = facts.route_target_text(c.target, self.spec, self.numbers, lang)
            out.append(self.marked(
                s.join_zh([roles, f"可随时取消流程；取消后{go}，进行中的工作一并取消。"])
                if zh else f"Anyone in {roles} may cancel the case at any time; then {go}, "
                "and any work in progress is cancelled.", c.provenance))
        for act in p.actions:
            title = s.quote(act.title or act.name.text, lang)
            who = facts.who_text(act.assignee, self.spec, lang)
            steps = s.list_words([self.ref(n.text) for n in act.steps], lang, "or")
            out.append(s.join_zh([f"{title}：由", who, f"执行，仅限{steps}办理期间。"])
                       if zh else f"{title}: done by {who}, only while {steps} is in "
                       "progress, and at no other time.")
        return tuple(out)

    def terms(self) -> tuple[Row, ...]:
        set_by: dict[str, list[str]] = {}
        for task in self.order:
            for x in task.sets:
                set_by.setdefault(x.field.text, []).append(self.ref(task.name.text))
        return tuple(Row((self.word(f.name.text), field_type_text(f, self.lang),
                          f.description or self.t["none"],
                          self.sep.join(set_by.get(f.name.text, ())) or self.t["none"]))
                     for f in self.spec.fields)

    def setting(self, x: m.Setting) -> str:
        name = self.word(x.field.text)
        if not x.criteria:
            return name
        return f"{name}（{x.criteria}）" if self.lang == "zh" else f"{name} ({x.criteria})"

    def glossary(self) -> tuple[Row, ...]:
        return tuple(Row((term.name, self.marked(term.definition, term.provenance)))
                     for term in self.spec.process.terms)

    def revisions(self) -> tuple[Row, ...]:
        """Return (version, date, change, by, approved by): the spec's history, or its version."""
        none, p = self.t["none"], self.spec.process
        rows = [Row((c.version, c.date, c.text, c.author or none, c.approver or none))
                for c in p.changes]
        if not any(c.version == p.version for c in p.changes):
            current = self.t["current"].replace("{path}", str(self.spec.path))
            rows.append(Row((p.version or self.t["unversioned"], none, current, none, none)))
        return tuple(rows)

    def word(self, name: str) -> str:
        """Return a field's or form's name as prose says it (identifiers spoken in English)."""
        return name if self.lang == "zh" else spoken(name)


# ------------------------------------------------------------------ the document

_SECTIONS = ("purpose", "scope", "terms", "roles", "raci", "flowchart", "procedure",
             "approvals", "timing", "exceptions", "others", "kpis", "forms", "records",
             "references", "attachments", "revision")


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
                   mermaid: str | None, control: DocumentControl | None = None
                   ) -> dict[str, object]:
    """Return what the manual templates (and the Word/PDF document model) render."""
    v = _Views(spec, lang, t)
    control = control or control_for(spec)
    records, attachments = v.record_rows(control.retention, control.number), v.attachment_rows()
    case_deadline = v.plan.deadline(ANYWHERE)
    p = spec.process
    columns, raci_rows = v.raci_table()
    cal = spec.process_calendar
    approvals, others = v.approvals(), v.others()
    present = {"purpose": p.purpose is not None, "scope": p.scope is not None,
               "terms": bool(spec.fields or p.terms), "approvals": bool(approvals or spec.rules),
               "others": bool(others), "references": bool(p.references),
               "records": bool(records), "attachments": bool(attachments)}
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
        "exceptions": v.exception_rows(), "kpis": v.kpi_rows(), "records": records,
        "glossary": v.glossary(), "revisions": v.revisions(),
        "has_provenance": has_provenance(spec),
        "attachments": attachments,
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
    control = control or control_for(spec)
    context = manual_context(spec, lang, t, diagram, mermaid, control)
    context["header"] = comment_text(header_text(spec.path))
    context["control"] = control_tables(control, lang, t)
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
