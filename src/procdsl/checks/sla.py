"""Checks: SLAs add up and fit their tasks (PD604, PD606-PD608, PD610)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from decimal import Decimal

from ..diagnostics import Diagnostic, Text, diagnostic
from ..flow import transitions
from ..model import (
    Breach,
    BreachKind,
    Duration,
    Reminder,
    Sla,
    Spec,
    TargetKind,
    Task,
    TaskKind,
    TimeUnit,
)
from ..vocabulary import breach_name, number_as_written, unit_word
from .calendars import valid_hours, weekday_numbers
from .context import Check, CheckContext


def amount_text(amount: Decimal, unit: TimeUnit) -> Text:
    """Return an amount of a unit in words ('2 workdays', '2 工作日')."""
    text = number_as_written(amount)
    return Text(f"{text} {unit_word(unit, amount, 'en')}", f"{text} {unit_word(unit, amount, 'zh')}")


def duration_text(d: Duration) -> Text:
    """Return a duration as written ('4 work hours', '4 工作小时')."""
    return amount_text(d.amount, d.unit)


# ------------------------------------------------------------------ units


def working_day(spec: Spec) -> tuple[int, int]:
    """Return (working minutes per day, working days per week) of the process calendar."""
    calendar = spec.process_calendar
    minutes, days = 8 * 60, 5
    if calendar is None:
        return minutes, days
    spans = valid_hours(calendar)
    if spans:
        minutes = sum(s.end - s.start for s in spans)
    numbers = weekday_numbers(calendar)
    return minutes, len(numbers) if numbers else days


def scale(spec: Spec, durations: Sequence[Duration]) -> dict[TimeUnit, Decimal]:
    """Return minutes per unit: elapsed time when no duration counts working time, else
    working time, where elapsed units count the working time they hold on average (a
    calendar day is 5/7 of a working day in a five-day week)."""
    if not any(d.unit.working for d in durations):
        return {u: Decimal(v) for u, v in ((TimeUnit.MINUTES, 1), (TimeUnit.HOURS, 60),
                (TimeUnit.WORK_HOURS, 60), (TimeUnit.DAYS, 1440), (TimeUnit.WORKDAYS, 1440),
                (TimeUnit.WEEKS, 10080))}
    day, week = working_day(spec)
    per_week = Decimal(day * week)
    return {TimeUnit.MINUTES: per_week / 10080, TimeUnit.HOURS: per_week / 168,
            TimeUnit.WORK_HOURS: Decimal(60), TimeUnit.DAYS: per_week / 7,
            TimeUnit.WORKDAYS: Decimal(day), TimeUnit.WEEKS: per_week}


def minutes(d: Duration, units: dict[TimeUnit, Decimal]) -> Decimal:
    """Return a duration in minutes on the given scale."""
    return d.amount * units[d.unit]


def all_slas(spec: Spec) -> Iterator[tuple[Task | None, Sla]]:
    """Yield (task, sla) for every SLA; task is None for the process SLA."""
    if spec.process.sla is not None:
        yield None, spec.process.sla
    for task in spec.tasks:
        if task.sla is not None:
            yield task, task.sla


def _owner(task: Task | None) -> Text:
    if task is None:
        return Text("the process", "流程")
    return Text(task.name.text, task.name.text)


# ------------------------------------------------------------------ per SLA


def check_zero(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report SLAs of zero length (PD610)."""
    for task, sla in all_slas(ctx.spec):
        if sla.duration.amount == 0:
            who = _owner(task)
            yield diagnostic(
                "PD610", sla.duration.span,
                Text(f"the SLA of {who.en} is zero: it would be overdue at once",
                     f"{who.zh} 的时限为零，一开始就会超时"),
                label=Text("zero", "为零"),
                hint=Text("give a positive duration, e.g. sla 2 workdays, or remove the line",
                          "请给出大于零的时限，例如 时限 2 工作日，或删除这一行"))


def _bad_percent(reminder: Reminder) -> Diagnostic | None:
    if reminder.percent is None or 1 <= reminder.percent <= 99:
        return None
    p = number_as_written(reminder.percent)
    return diagnostic(
        "PD606", reminder.span,
        Text(f"a reminder at {p}% of the SLA cannot come before the deadline",
             f"在时限的 {p}% 提醒不合理，提醒应在截止之前"),
        label=Text("must be 1% to 99%", "应在 1% 到 99% 之间"),
        hint=Text("remind at a share between 1% and 99%, e.g. remind at 75%",
                  "提醒比例应在 1% 到 99% 之间，例如 提醒 75%"))


def _bad_before(spec: Spec, reminder: Reminder, limit: Duration) -> Diagnostic | None:
    before = reminder.before
    if before is None or limit.amount == 0:
        return None
    units = scale(spec, (before, limit))
    b, whole = duration_text(before), duration_text(limit)
    if before.amount == 0:
        return diagnostic(
            "PD606", reminder.span,
            Text(f"a reminder {b.en} before the deadline comes only at the deadline",
                 f"截止前 {b.zh} 提醒等于在截止时才提醒"),
            label=Text("at the deadline", "就是截止时刻"),
            hint=Text("remind some time before the deadline, e.g. remind 1 hour before",
                      "请提前一段时间提醒，例如 提醒 1 小时 前"))
    if minutes(before, units) < minutes(limit, units):
        return None
    return diagnostic(
        "PD606", reminder.span,
        Text(f"a reminder {b.en} before the deadline is not within the SLA of {whole.en}",
             f"截止前 {b.zh} 提醒不在 {whole.zh} 的时限之内"),
        label=Text(f"must be shorter than {whole.en}", f"应短于 {whole.zh}"),
        hint=Text("remind a shorter time before the deadline, or at a share (remind at 75%)",
                  "请缩短提前量，或按比例提醒（提醒 75%）"))


def check_reminders(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report reminders that cannot happen before the deadline (PD606)."""
    for _, sla in all_slas(ctx.spec):
        for reminder in sla.reminders:
            for found in (_bad_percent(reminder), _bad_before(ctx.spec, reminder, sla.duration)):
                if found is not None:
                    yield found


def _durations(spec: Spec) -> Iterator[Duration]:
    for _, sla in all_slas(spec):
        yield sla.duration
        yield from (r.before for r in sla.reminders if r.before is not None)


def _calendar_hint(spec: Spec) -> Text:
    if spec.calendars:
        name = spec.calendars[0].name.text
        return Text(f"add 'calendar {name}' to the process header, or use days/hours",
                    f"请在流程头中加上“日历 {name}”，或改用 天/小时")
    return Text("add 'calendar NAME' to the process header and declare that calendar, "
                "or use days/hours", "请在流程头中写“日历 名称”并声明该日历，或改用 天/小时")


def check_working_time(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report workdays/work hours SLAs in a process that names no calendar (PD607)."""
    if ctx.spec.process.calendar is not None:
        return
    for d in _durations(ctx.spec):
        if d.unit.working:
            text = duration_text(d)
            yield diagnostic(
                "PD607", d.span,
                Text(f"{text.en} counts working time, but the process names no calendar",
                     f"{text.zh} 按工作时间计算，但流程没有指定日历"),
                label=Text("needs a calendar", "需要日历"), hint=_calendar_hint(ctx.spec))


_DECIDING = (BreachKind.AUTO_APPROVE, BreachKind.AUTO_REJECT, BreachKind.GOTO)
_BREACH_WORDS = {k: Text(breach_name(k, "en"), breach_name(k, "zh")) for k in _DECIDING}


def _not_an_approval(task: Task | None, breach: Breach, word: Text) -> Diagnostic:
    if task is None:
        message = Text(f"'{word.en}' on breach of the process SLA has no approval to decide",
                       f"流程时限超时后不能{word.zh}：没有可以决定的审批")
    else:
        name = task.name.text
        message = Text(f"'{word.en}' on breach needs an approval to decide, but {name} is a "
                       "step, not an approval",
                       f"超时{word.zh}需要一个审批来决定，但 {name} 是步骤，不是审批")
    return diagnostic(
        "PD608", breach.span, message, label=Text("only for approvals", "只适用于审批"),
        hint=Text("use 'escalate to ROLE', 'notify ROLE' or 'goto STEP'",
                  "请改用“升级 到 角色”、“通知 角色”或“转到 步骤”"))


def _second_decision(task: Task | None, breach: Breach, first: Text, word: Text) -> Diagnostic:
    who = _owner(task)
    return diagnostic(
        "PD608", breach.span,
        Text(f"the SLA of {who.en} already says '{first.en}' on breach; '{word.en}' "
             "contradicts it", f"{who.zh} 的时限已规定超时{first.zh}，{word.zh}与之矛盾"),
        label=Text("second decision on breach", "超时处理重复"),
        hint=Text("keep one of them", "只保留其中一个"))


def check_breaches(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report breach actions that do not fit their task, or that contradict each other."""
    for task, sla in all_slas(ctx.spec):
        decided: Text | None = None
        for breach in sla.breaches:
            if breach.kind not in _DECIDING:
                continue
            word = _BREACH_WORDS[breach.kind]
            plain = task is None or task.kind is TaskKind.STEP
            if breach.kind is not BreachKind.GOTO and plain:
                yield _not_an_approval(task, breach, word)
            elif decided is not None:
                yield _second_decision(task, breach, decided, word)
            decided = decided or word


# ------------------------------------------------------------------ the fastest path


def fastest_path(spec: Spec, units: dict[TimeUnit, Decimal]) -> tuple[Decimal, list[Task], str] | None:
    """Return (minutes, tasks, end) of the quickest way from the start to a success end,
    adding up step SLAs (tasks without one take no time), or None when there is none."""
    start = spec.start_task
    if start is None:
        return None
    # Tasks are numbered by position (a repeated name takes its last), and the search
    # keeps lists and flags indexed by that number: dicts and sets keyed by name were
    # slower per task on big specs.
    names = [t.name.text for t in spec.tasks]  # the one pass over the task objects
    order = {name: i for i, name in enumerate(names)}
    edges: list[list[tuple[str, TargetKind]]] = [[] for _ in names]
    for move in transitions(spec):
        edges[order[move.source]].append((move.target, move.target_kind))

    def cost(task: Task) -> Decimal:
        return minutes(task.sla.duration, units) if task.sla is not None else Decimal(0)

    first = start.name.text
    # Each entry keeps the pop number of the task it came from, not a copy of the whole
    # path (copying made long chains quadratic); ``came`` rebuilds the path at the end.
    # A task's number stands for its name in the entry: equal numbers mean equal names.
    queue: list[tuple[Decimal, int, int]] = [(cost(start), order[first], -1)]
    came: list[tuple[str, int]] = []  # (task, index of the task it came from), pop order
    done = bytearray(len(names))
    while queue:
        total, number, parent = heapq.heappop(queue)
        if done[number]:
            continue
        done[number] = 1
        came.append((names[number], parent))
        here = len(came) - 1
        for target, kind in edges[number]:
            end = spec.end(target) if kind is TargetKind.END else None
            if end is not None and end.success:
                return total, [t for n in _path(came, here) if (t := spec.task(n))], target
            task = spec.task(target) if kind is TargetKind.STEP else None
            if task is not None and not done[at := order[target]]:
                heapq.heappush(queue, (total + cost(task), at, here))
    return None


def _path(came: list[tuple[str, int]], index: int) -> list[str]:
    """Return the task names from the start to came[index], following where each came from."""
    names = []
    while index >= 0:
        name, index = came[index]
        names.append(name)
    return names[::-1]


def check_process_sla(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Warn when the process SLA is shorter than the step SLAs on the fastest path (PD604)."""
    spec, sla = ctx.spec, ctx.spec.process.sla
    if sla is None or sla.duration.amount == 0:
        return
    units = scale(spec, [sla.duration, *(t.sla.duration for t in spec.tasks if t.sla)])
    found = fastest_path(spec, units)
    limit = minutes(sla.duration, units)
    if found is None or found[0] <= limit:
        return
    total, path, end = found
    amount = (total / units[sla.duration.unit]).quantize(Decimal("0.01"))
    need, have = amount_text(amount.normalize(), sla.duration.unit), duration_text(sla.duration)
    steps = [(t.name.text, duration_text(t.sla.duration)) for t in path if t.sla is not None]
    yield diagnostic(
        "PD604", sla.duration.span,
        Text(f"the process SLA is {have.en}, but the fastest way to {end} takes about "
             f"{need.en} by the step SLAs",
             f"流程时限为 {have.zh}，但按各步骤时限，到达 {end} 最快也需要约 {need.zh}"),
        label=Text(f"shorter than {need.en}", f"短于 {need.zh}"),
        hint=Text("lengthen the process SLA or shorten step SLAs on that path",
                  "请延长流程时限，或缩短该路径上各步骤的时限"),
        notes=(Text("on that path: " + ", ".join(f"{n} {d.en}" for n, d in steps),
                    "该路径上：" + "，".join(f"{n} {d.zh}" for n, d in steps)),))


CHECKS: tuple[Check, ...] = (check_zero, check_reminders, check_working_time, check_breaches,
                             check_process_sla)
