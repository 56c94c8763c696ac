"""Checks: calendars make sense (PD601-PD603, PD605, PD609)."""

from __future__ import annotations

import datetime as _dt
import difflib
import zoneinfo
from collections.abc import Iterator, Sequence
from functools import cache

from ..diagnostics import Diagnostic, Text, diagnostic
from ..keywords import WEEKDAYS
from ..model import Calendar, ClockSpan, DateSpan, Name
from .context import Check, CheckContext

DAY_MINUTES = 24 * 60


def _suggest(word: str, candidates: Sequence[str]) -> Text | None:
    """Return "did you mean X?" for the closest candidate, ignoring case."""
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.5)
    if not found:
        return None
    best = by_lower[found[0]]
    return Text(f"did you mean {best}?", f"是否应为 {best}？")


# ------------------------------------------------------------------ weekdays


def _weekday(name: Name) -> Diagnostic | None:
    word = name.text
    if word.lower() in WEEKDAYS:
        return None
    return diagnostic(
        "PD601", name.span,
        Text(f"{word} is not a day of the week", f"{word} 不是星期几"),
        label=Text("unknown weekday", "未知的星期"),
        hint=_suggest(word.lower(), sorted(WEEKDAYS)) or Text(
            "write days as mon, tue, ... sun (or 周一 ... 周日), e.g. workdays mon..fri",
            "星期写作 周一 … 周日（或 mon … sun），例如 工作日 周一..周五"))


def weekday_numbers(calendar: Calendar) -> tuple[int, ...]:
    """Return the ISO numbers of the calendar's working weekdays (ranges may wrap)."""
    found: set[int] = set()
    for days in calendar.workdays:
        first = WEEKDAYS.get(days.first.text.lower())
        last = WEEKDAYS.get(days.last.text.lower()) if days.last is not None else first
        if first is None or last is None:
            continue
        count = (last - first) % 7
        found.update((first - 1 + i) % 7 + 1 for i in range(count + 1))
    return tuple(sorted(found))


def check_weekdays(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report weekday names that are not days of the week (PD601)."""
    for calendar in ctx.spec.calendars:
        for days in calendar.workdays:
            for name in (days.first, days.last):
                found = _weekday(name) if name is not None else None
                if found is not None:
                    yield found


# ------------------------------------------------------------------ working hours


def clock_text(minutes: int) -> str:
    """Return minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hours_problem(span: ClockSpan) -> Text | None:
    start, end = clock_text(span.start), clock_text(span.end)
    for value in (span.start, span.end):
        if value > DAY_MINUTES:
            text = clock_text(value)
            return Text(f"{text} is not a time of day", f"{text} 不是有效的时刻")
    if span.start >= DAY_MINUTES:
        return Text(f"working hours cannot start at {start}", f"工作时间不能从 {start} 开始")
    if span.end <= span.start:
        return Text(f"working hours {start}-{end} end before they start",
                    f"工作时间 {start}-{end} 的结束时刻早于开始时刻")
    return None


def _hours_diagnostic(span: ClockSpan, message: Text, label: Text) -> Diagnostic:
    return diagnostic(
        "PD602", span.span, message, label=label,
        hint=Text("write hours as HH:MM-HH:MM within one day, in order and without overlaps, "
                  "e.g. hours 09:00-12:00, 13:00-18:00",
                  "工作时间写作 HH:MM-HH:MM，在一天之内、按先后顺序且互不重叠，"
                  "例如 工作时间 09:00-12:00, 13:00-18:00"))


def valid_hours(calendar: Calendar) -> list[ClockSpan]:
    """Return the calendar's working-hour spans that make sense on their own, by start."""
    return sorted((s for s in calendar.hours if _hours_problem(s) is None),
                  key=lambda s: (s.start, s.end))


def check_hours(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report working hours out of range, reversed, or overlapping each other (PD602)."""
    for calendar in ctx.spec.calendars:
        for span in calendar.hours:
            problem = _hours_problem(span)
            if problem is not None:
                yield _hours_diagnostic(span, problem, Text("bad working hours", "工作时间不合理"))
        previous: ClockSpan | None = None
        for span in valid_hours(calendar):
            if previous is not None and span.start < previous.end:
                a = f"{clock_text(previous.start)}-{clock_text(previous.end)}"
                b = f"{clock_text(span.start)}-{clock_text(span.end)}"
                yield _hours_diagnostic(
                    span, Text(f"working hours {b} overlap {a}", f"工作时间 {b} 与 {a} 重叠"),
                    Text(f"overlaps {a}", f"与 {a} 重叠"))
            previous = span


# ------------------------------------------------------------------ holidays

# A holiday (or make-up) range covers at most this many days: every date in a range is
# part of the calendar that checks, modules and the runtime hold, and a range of years is
# a typo (9999 for 2026) rather than a closure.
MAX_RANGE_DAYS = 366


def range_days(span: DateSpan) -> int | None:
    """Return how many days a date span covers (None when a date is invalid or reversed)."""
    try:
        days = (_dt.date.fromisoformat(span.last) - _dt.date.fromisoformat(span.first)).days + 1
    except ValueError:
        return None
    return days if days > 0 else None


def _date_problem(span: DateSpan) -> Diagnostic | None:
    for text in (span.first, span.last):
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            return diagnostic(
                "PD609", span.span, Text(f"{text} is not a real date", f"{text} 不是有效日期"),
                label=Text("no such date", "没有这一天"),
                hint=Text("write dates as YYYY-MM-DD, e.g. 2026-10-01",
                          "日期格式为 YYYY-MM-DD，例如 2026-10-01"))
    if span.last < span.first:
        return diagnostic(
            "PD603", span.span,
            Text(f"{span.first}..{span.last} ends before it starts",
                 f"{span.first}..{span.last} 的结束日期早于开始日期"),
            label=Text("reversed dates", "日期先后颠倒"),
            hint=Text(f"write {span.last}..{span.first}", f"应写作 {span.last}..{span.first}"))
    days = range_days(span)
    if days is not None and days > MAX_RANGE_DAYS:
        return diagnostic(
            "PD611", span.span,
            Text(f"{span.first}..{span.last} covers {days} days; a range may cover at most "
                 f"{MAX_RANGE_DAYS}", f"{span.first}..{span.last} 共 {days} 天，一个日期范围最多 "
                 f"{MAX_RANGE_DAYS} 天"),
            label=Text("range too long", "日期范围过长"),
            hint=Text("check the end date, and list each year's holidays as ranges of their own "
                      "(e.g. 2026-10-01..2026-10-07)",
                      "请核对结束日期，并按年份分别列出节假日（例如 2026-10-01..2026-10-07）"))
    return None


def span_text(span: DateSpan) -> str:
    """Return a date span as written ('2026-10-01' or '2026-10-01..2026-10-07')."""
    return span.first if span.first == span.last else f"{span.first}..{span.last}"


def _order_problems(spans: Sequence[DateSpan], what: Text) -> Iterator[Diagnostic]:
    """Report each span that does not come strictly after every span listed before it."""
    latest: DateSpan | None = None
    for span in spans:
        if range_days(span) is None:
            continue
        if latest is not None and span.first <= latest.last:
            inside = span.first >= latest.first
            this, other = span_text(span), span_text(latest)
            message = (Text(f"{what.en} {this} overlaps {other}, listed before it",
                            f"{what.zh} {this} 与前面的 {other} 重叠") if inside else
                       Text(f"{what.en} {this} is listed after {other} but comes before it",
                            f"{what.zh} {this} 早于前面的 {other}，顺序颠倒"))
            yield diagnostic(
                "PD603", span.span, message,
                label=Text("overlap" if inside else "out of order",
                           "日期重叠" if inside else "顺序错误"),
                hint=Text("list dates once each, earliest first",
                          "每个日期只写一次，并按从早到晚排列"))
        if latest is None or span.last > latest.last:
            latest = span


def _short(span: DateSpan) -> bool:
    """Return True when the span's dates can be listed (a valid range of sane length)."""
    days = range_days(span)
    return days is not None and days <= MAX_RANGE_DAYS


def check_dates(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report bad dates (PD609), holidays out of order or overlapping, make-up days that
    are also holidays (PD603), and ranges longer than a year (PD611)."""
    for calendar in ctx.spec.calendars:
        for span in (*calendar.holidays, *calendar.makeup_days):
            problem = _date_problem(span)
            if problem is not None:
                yield problem
        yield from _order_problems(calendar.holidays, Text("the holiday", "节假日"))
        yield from _order_problems(calendar.makeup_days, Text("the make-up day", "调休上班日"))
        holidays = {d for span in calendar.holidays if _short(span) for d in span.dates()}
        for span in calendar.makeup_days:
            clash = sorted(d for d in span.dates() if d in holidays) if _short(span) else []
            if clash:
                day = clash[0].isoformat()
                yield diagnostic(
                    "PD603", span.span,
                    Text(f"{day} is both a holiday and a make-up working day",
                         f"{day} 既是节假日又是调休上班日"),
                    label=Text("also a holiday", "同时是节假日"),
                    hint=Text("remove it from one of the two lists", "请从其中一处删除"))


# ------------------------------------------------------------------ time zones


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def known_zone(name: str) -> bool:
    """Return True when name is a time zone the system knows (e.g. Asia/Shanghai)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check_timezone(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Report time zones that do not exist (PD605)."""
    for calendar in ctx.spec.calendars:
        zone = calendar.timezone
        if zone is None or known_zone(zone.text):
            continue
        yield diagnostic(
            "PD605", zone.span,
            Text(f"{zone.text} is not a known time zone", f"{zone.text} 不是已知的时区"),
            label=Text("unknown time zone", "未知的时区"),
            hint=_suggest(zone.text, _zones()) or Text(
                "use an IANA time zone name, e.g. Asia/Shanghai",
                "请使用 IANA 时区名称，例如 Asia/Shanghai"))


CHECKS: tuple[Check, ...] = (check_weekdays, check_hours, check_dates, check_timezone)
