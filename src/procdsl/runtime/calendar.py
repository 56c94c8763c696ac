"""Business calendars: adding working time (work hours, workdays) to an instant.

Working time counts only the calendar's working hours on working days: a weekday in
``workdays`` that is not a holiday, or a make-up day (调休) whatever its weekday.  Plain
units (minutes, hours, days, weeks) are elapsed time.  All instants are aware
datetimes; results are in UTC.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from .tables import CalendarDef, SlaDef, Span

UTC = dt.UTC
_PLAIN = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400}
_SEARCH_DAYS = 3700  # about ten years: a calendar with no working time fails loudly


def aware(when: dt.datetime) -> dt.datetime:
    """Return when unchanged; refuse naive datetimes (the clock must say its zone).

    An action keeps its time as the caller gave it; what reads times later (audit
    records, snapshots, deadline arithmetic) converts them to UTC then.
    """
    if when.__class__ is not dt.datetime and not isinstance(when, dt.datetime):
        raise ValueError("time must be an aware datetime (with a time zone)")
    if when.tzinfo is None:
        raise ValueError("time must be an aware datetime (with a time zone)")
    return when


def require_aware(when: dt.datetime) -> dt.datetime:
    """Return when in UTC; refuse naive datetimes."""
    when = aware(when)
    return when if when.tzinfo is UTC else when.astimezone(UTC)


_DAYS_KEPT = 4096  # days of working intervals a calendar remembers
_NO_TIME, _ONE_DAY = dt.timedelta(0), dt.timedelta(days=1)


class WorkCalendar:
    """A calendar able to add and subtract working time."""

    __slots__ = ("_workdays", "_hours", "_holidays", "_makeup", "_zone", "_day_seconds",
                 "_days", "_totals", "_amounts", "_shares")

    def __init__(self, table: CalendarDef | None = None) -> None:
        table = table or CalendarDef()
        self._workdays = frozenset(table.workdays)
        self._hours = tuple(sorted(table.hours)) or ((0, 24 * 60),)
        self._holidays = frozenset(dt.date.fromisoformat(d) for d in table.holidays)
        self._makeup = frozenset(dt.date.fromisoformat(d) for d in table.makeup_days)
        self._zone: dt.tzinfo = ZoneInfo(table.timezone) if table.timezone else UTC
        self._day_seconds = sum(60 * (end - start) for start, end in self._hours)
        self._days: dict[dt.date, tuple[tuple[dt.datetime, dt.datetime], ...]] = {}
        self._totals: dict[dt.date, dt.timedelta] = {}  # working time of each day in _days
        self._amounts: dict[tuple[Decimal, str], dt.timedelta] = {}  # spans as timedeltas
        self._shares: dict[tuple[Span, Decimal], Span] = {}  # reminder shares of SLAs

    @property
    def zone(self) -> dt.tzinfo:
        """Return the calendar's time zone (UTC without one): the zone a case returns
        its times in (audit records, deadlines, events)."""
        return self._zone

    def is_working_day(self, day: dt.date) -> bool:
        """Return True when day has working hours."""
        if day in self._makeup:
            return True
        return day.isoweekday() in self._workdays and day not in self._holidays

    def seconds(self, span: Span) -> Decimal:
        """Return the span in seconds (of working time for working units)."""
        if span.unit == "work_hours":
            return span.amount * 3600
        if span.unit == "workdays":
            return span.amount * self._day_seconds
        return span.amount * _PLAIN[span.unit]

    def schedule(self, sla: SlaDef,
                 now: dt.datetime) -> tuple[dt.datetime, list[dt.datetime] | tuple[()]]:
        """Return the deadline and the reminder times of an SLA started at now."""
        due = self.add(now, sla.within)
        times = []
        for reminder in sla.reminders:
            if reminder.percent is not None:
                times.append(self.add(now, self._share(sla.within, reminder.percent)))
            elif reminder.before is not None:
                times.append(max(require_aware(now), self.subtract(due, reminder.before)))
        return due, sorted(times) if times else ()

    def _share(self, within: Span, percent: Decimal) -> Span:
        """Return percent of within (kept: every activation of the task asks again)."""
        key = (within, percent)
        found = self._shares.get(key)
        if found is None:
            if len(self._shares) >= 256:
                self._shares.clear()
            found = self._shares[key] = Span(within.amount * percent / 100, within.unit)
        return found

    def add(self, start: dt.datetime, span: Span) -> dt.datetime:
        """Return the instant span after start."""
        return self._shift(start, span, 1)

    def subtract(self, end: dt.datetime, span: Span) -> dt.datetime:
        """Return the instant span before end."""
        return self._shift(end, span, -1)

    def _shift(self, when: dt.datetime, span: Span, sign: int) -> dt.datetime:
        when = require_aware(when)
        key = (span.amount, span.unit)
        amount = self._amounts.get(key)
        if amount is None:
            if len(self._amounts) >= 256:
                self._amounts.clear()
            amount = self._amounts[key] = dt.timedelta(
                microseconds=int(self.seconds(span) * 1_000_000))
        if span.unit not in ("work_hours", "workdays"):
            return when + amount * sign
        if sign > 0:
            return self._forward(when, amount)
        return self._backward(when, amount)

    def _intervals(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """Return the working intervals of day in UTC (remembered: deadlines reuse days)."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= _DAYS_KEPT:
                self._days.clear()
                self._totals.clear()
            found = self._days[day] = tuple(self._compute_intervals(day))
            self._totals[day] = sum((max(b - a, _NO_TIME) for a, b in found), _NO_TIME)
        return found

    def _compute_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        out = []
        for start, end in self._hours:
            a = dt.datetime.combine(day, dt.time(start // 60, start % 60), self._zone)
            if end >= 24 * 60:
                b = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self._zone)
            else:
                b = dt.datetime.combine(day, dt.time(end // 60, end % 60), self._zone)
            out.append((a.astimezone(UTC), b.astimezone(UTC)))
        return out

    def _forward(self, when: dt.datetime, left: dt.timedelta) -> dt.datetime:
        day = when.astimezone(self._zone).date()
        for _ in range(_SEARCH_DAYS):
            spans = self._intervals(day)
            if spans and spans[0][0] >= when and left > self._totals[day]:
                left -= self._totals[day]  # the whole working day passes: no interval math
                day += _ONE_DAY
                continue
            for a, b in spans:
                a = max(a, when)
                if b <= a:
                    continue
                if left <= b - a:
                    return a + left
                left -= b - a
            day += _ONE_DAY
        raise ValueError("the calendar has no working time to count")

    def _backward(self, when: dt.datetime, left: dt.timedelta) -> dt.datetime:
        day = when.astimezone(self._zone).date()
        for _ in range(_SEARCH_DAYS):
            for a, b in reversed(self._intervals(day)):
                b = min(b, when)
                if b <= a:
                    continue
                if left <= b - a:
                    return b - left
                left -= b - a
            day -= dt.timedelta(days=1)
        raise ValueError("the calendar has no working time to count")
