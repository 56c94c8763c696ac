"""What an auditor asks of a manual besides the procedure: exception handling, KPIs,
records and attachments, each derived from the plan (deadlines, caps, withdraw, cancel)
and worded through the vocabulary.  ``AuditViews`` is mixed into the manual's views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .. import model as m
from ..kinds import Indicator, Way
from ..plan import ANYWHERE, Plan, PlanDeadline
from ..vocabulary import action_word, cap_limit, empty_text, percent, return_cap_text, role_word
from ..vocabulary import duration as format_duration
from . import facts
from . import sentences as s


@dataclass(frozen=True)
class AuditRow:
    """A table row of plain-text cells (the same shape as markdown.Row)."""

    cells: tuple[str, ...]


class AuditViews:
    """Exception handling, KPIs, records and attachments of one spec in one language."""

    spec: m.Spec
    lang: str
    t: Mapping[str, str]
    plan: Plan
    order: tuple[m.Task, ...]
    numbers: dict[str, str]
    sep: str

    def short(self, task: m.Task) -> str:
        raise NotImplementedError

    def ref(self, name: str) -> str:
        raise NotImplementedError

    def word(self, name: str) -> str:
        raise NotImplementedError

    # -------------------------------------------------------------- exception handling

    def exception_rows(self) -> tuple[AuditRow, ...]:
        """Return (situation, handling) for every way a case leaves the normal path."""
        zh, lang, spec, numbers = self.lang == "zh", self.lang, self.spec, self.numbers
        rows: list[AuditRow] = []
        for d in self.deadlines():
            if not d.breaches:
                continue
            task = spec.task(d.scope) if d.scope != ANYWHERE else None
            where = self.ref(task.name.text) if task is not None else (
                "整个流程" if zh else "the whole process")
            limit = format_duration(d.limit, lang)
            what = s.join_zh([where, f"超过时限（{limit}）"]) if zh else (
                f"{where[:1].upper() + where[1:]} is overdue (time limit {limit})")
            how = self.sep.join(facts.breach_text(b.breach, spec, numbers, lang)
                                for b in d.breaches)
            rows.append(AuditRow((what, how[:1].upper() + how[1:] if not zh else how)))
        for task in self.order:
            for planned in self.plan.routes_from(task.name.text):
                route = planned.route  # the written route the cap is on, for its sentence
                if planned.kind is not Way.CAP or route is None or route.cap is None:
                    continue
                times = cap_limit(route.cap.times, lang)
                word = (action_word(route.action, lang) if route.action != m.COMPLETE
                        else "重新办理" if zh else "redone")
                what = (s.join_zh([self.ref(task.name.text), f"{word}次数用尽（{times}）"])
                        if zh else f"{self.ref(task.name.text)}: {word} {times} already")
                rows.append(AuditRow((what, s.cap_sentence(route, spec, numbers, lang))))
            if task.on_empty is not None:
                role = task.on_empty.role.text if task.on_empty.role is not None else None
                taker = role_word(spec, role, lang) if role is not None else None
                what = (s.join_zh([self.ref(task.name.text), "找不到审批人"]) if zh
                        else f"{self.ref(task.name.text)}: no approver is found")
                rows.append(AuditRow((what, empty_text(task.on_empty.kind, taker, lang))))
        p = spec.process
        if p.return_cap is not None:  # returns total at most N times (退回 总计 最多 N 次)
            rows.append(AuditRow((
                f"{return_cap_text(p.return_cap, lang)}，次数已用尽" if zh
                else f"The case has been returned the most times allowed ({p.return_cap})",
                "不能再退回，审批人只能通过或驳回" if zh
                else "It cannot be returned again: the approver approves or rejects it")))
        if p.withdraw is not None:
            go = facts.route_target_text(p.withdraw.target, spec, numbers, lang)
            rows.append(AuditRow(("发起人撤回申请" if zh else "The requester withdraws the case",
                                  f"{go}，进行中的工作一并取消" if zh else
                                  f"{go[:1].upper() + go[1:]}; work in progress is cancelled")))
        for c in p.cancels:
            who = s.list_words([role_word(spec, r.text, lang) for r in c.roles], lang)
            go = facts.route_target_text(c.target, spec, numbers, lang)
            rows.append(AuditRow((s.join_zh([who, "取消流程"]) if zh else f"{who} cancels the case",
                                  f"{go}，进行中的工作一并取消" if zh else
                                  f"{go[:1].upper() + go[1:]}; work in progress is cancelled")))
        return tuple(rows)

    def target(self, kind: Indicator, default: str) -> str:
        """Return the spec's target for an indicator ('≤ 3%'), or the default, marked as a suggestion."""
        zh = self.lang == "zh"
        for t in self.spec.process.targets:
            if t.indicator is not kind:
                continue
            if t.percent is not None:
                value = percent(t.percent, self.lang)
            elif t.duration is not None:
                value = format_duration(t.duration, self.lang)
            else:
                continue
            at_least = kind is Indicator.FIRST_PASS
            if zh:
                return ("≥ " if at_least else "≤ ") + value
            return ("at least " if at_least else "at most ") + value
        return default + ("（建议）" if zh else " (suggested)")

    def deadlines(self) -> list[PlanDeadline]:
        """Return the plan's deadlines: the case's first, then the tasks' in manual order."""
        index = {t.name.text: i for i, t in enumerate(self.order)}
        return sorted(self.plan.deadlines,
                      key=lambda d: -1 if d.scope == ANYWHERE else index.get(d.scope, len(index)))

    # -------------------------------------------------------------- KPIs

    def kpi_rows(self) -> tuple[AuditRow, ...]:
        """Return (indicator, how it is measured, target, basis) from the SLAs and caps."""
        zh, lang = self.lang == "zh", self.lang
        rows: list[AuditRow] = []
        case = self.plan.deadline(ANYWHERE)
        if case is not None:
            limit = format_duration(case.limit, lang)
            rows.append(AuditRow((
                "平均周期" if zh else "Average cycle time",
                "统计期内办结流程从发起到结束的平均用时" if zh
                else "the mean time from start to end of the cases closed in the period",
                self.target(Indicator.CYCLE_TIME, f"≤ {limit}" if zh else f"at most {limit}"),
                f"流程时限 {limit}" if zh else f"process time limit {limit}")))
            rows.append(AuditRow((
                "流程超时率" if zh else "Late case rate",
                f"超过 {limit}办结的流程数 ÷ 办结流程数" if zh
                else f"cases closed after {limit} ÷ cases closed",
                self.target(Indicator.LATE_RATE, "≤ 5%" if zh else "at most 5%"),
                f"流程时限 {limit}" if zh else f"process time limit {limit}")))
        for d in self.deadlines():
            task = self.spec.task(d.scope) if d.scope != ANYWHERE else None
            if task is None:
                continue
            limit = format_duration(d.limit, lang)
            rows.append(AuditRow((
                s.join_zh([self.ref(task.name.text), "超时率"]) if zh
                else f"Late rate of {self.ref(task.name.text)}",
                f"超过 {limit}办结的次数 ÷ 办理次数" if zh
                else f"times done after {limit} ÷ times done",
                self.target(Indicator.LATE_RATE, "≤ 5%" if zh else "at most 5%"),
                f"时限 {limit}" if zh else f"time limit {limit}")))
        for task in self.order:
            if task.kind is not m.TaskKind.APPROVAL:
                continue
            planned = self.plan.routes_from(task.name.text)
            if not any(r.action in (m.RETURN, m.REJECT) or r.cap is not None for r in planned):
                continue
            capped = dict.fromkeys(r.route for r in planned if r.cap is not None)
            caps = [cap_limit(r.cap.times, lang) for r in capped if r is not None and r.cap]
            basis = ("退回、驳回" if zh else "returns and rejections") + (
                f"（{'、'.join(caps)}）" if zh and caps else f" ({', '.join(caps)})" if caps else "")
            rows.append(AuditRow((
                s.join_zh([self.ref(task.name.text), "一次通过率"]) if zh
                else f"First-pass rate of {self.ref(task.name.text)}",
                "首次提交即通过的件数 ÷ 审批件数" if zh
                else "cases approved the first time ÷ cases decided",
                self.target(Indicator.FIRST_PASS, "≥ 90%" if zh else "at least 90%"), basis)))
        return tuple(rows)

    # -------------------------------------------------------------- records, attachments

    def documents(self) -> tuple[str, ...]:
        """Return every form and record the tasks take in or produce, in reading order."""
        seen: dict[str, None] = {}
        for task in self.order:
            for doc in (*task.inputs, *task.outputs):
                seen.setdefault(doc.name, None)
        return tuple(seen)

    def record_rows(self, retention: str | None, number: str | None) -> tuple[AuditRow, ...]:
        """Return (record number, record, kept by, retention) for every output."""
        keepers: dict[str, dict[str, None]] = {}
        for task in self.order:  # the company keeps its records: never an external party
            for doc in task.outputs:
                keepers.setdefault(doc.name, {}).update(dict.fromkeys(self._keeper(task)[:1]))
        for task in self.order:
            for doc in task.inputs:
                if doc.name in keepers and not keepers[doc.name]:
                    keepers[doc.name].update(dict.fromkeys(self._keeper(task)[:1]))
        owner = self.spec.process.owner
        for who in keepers.values():
            if not who and owner:
                who[owner] = None
        prefix = f"{number}-" if number else ""
        none = self.t["none"]
        return tuple(AuditRow((f"{prefix}R{i:02d}", self.word(name), self.sep.join(keepers[name]) or none,
                               retention or none))
                     for i, name in enumerate(keepers, start=1))

    def _keeper(self, task: m.Task) -> list[str]:
        a = task.assignee
        if a is None or a.mode is m.AssigneeMode.REQUESTER:
            return []
        roles = [self.spec.role(r.text) for r in a.roles]
        return [role_word(self.spec, r.name.text, self.lang) for r in roles
                if r is not None and not r.external]

    def attachment_rows(self) -> tuple[AuditRow, ...]:
        """Return (attachment number, form) for every form, input or output."""
        word = "附件 {n}" if self.lang == "zh" else "Attachment {n}"
        return tuple(AuditRow((word.format(n=i), self.word(name)))
                     for i, name in enumerate(self.documents(), start=1))
