"""Calendars linked before the checks: shared calendar files, ``based on``, official days.

A spec names its calendar in the header (``日历 公司日历``).  When the spec does not
declare it, the calendar comes from the calendar files beside the spec: every ``*.cal``
file in the spec's folder (the folder that holds ``procdsl.toml`` too), which holds only
``calendar`` definitions.  Those files are read and checked once (their problems point
into the file, line and column), and every spec that names one of their calendars gets
the same calendar.  A calendar may be ``based on`` another (its days and hours, with its
own lines on top) and may take a region's official days (``public holidays CN 2026``).

Linking writes every day into the calendar itself, so the checks, the plan and every
emitter see one plain calendar: what it inherits, then the official days, then the days
written in it, each later layer winning for the dates it names.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import model as m
from .checks import CheckContext
from .checks.calendars import CHECKS as CALENDAR_CHECKS
from .checks.calendars import MAX_RANGE_DAYS, range_days
from .checks.suggest import closest
from .diagnostics import Diagnostic, Text, diagnostic, has_errors
from .official_holidays import OfficialDaysUnavailable, official_year, region_of
from .parser import parse_block, read_source
from .prescan import prescan
from .source import SourceFile, Span

CALENDAR_SUFFIX = ".cal"
MAX_CALENDAR_BYTES = 1024 * 1024
MAX_YEARS = 50  # years one public-holidays line may name; more is a typo (9999 for 2026)


@dataclass(frozen=True)
class Library:
    """The calendars of the calendar files beside a spec, linked and checked once."""

    calendars: tuple[m.Calendar, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    sources: tuple[SourceFile, ...] = ()
    broken: frozenset[str] = frozenset()  # calendars that failed to parse

    def calendar(self, name: str) -> m.Calendar | None:
        """Return the shared calendar called name, if a calendar file declares it."""
        return next((c for c in self.calendars if c.name.text == name), None)

    def problems_of(self, name: str) -> tuple[Diagnostic, ...]:
        """Return the problems of the calendar file that declares name (or fails to)."""
        cal = self.calendar(name)
        files = {cal.span.file} if cal is not None else {s.path for s in self.sources}
        return tuple(d for d in self.diagnostics if d.span.file in files)


def calendar_files(spec_path: str) -> list[Path]:
    """Return the calendar files beside a spec, by name."""
    folder = Path(spec_path).parent
    try:
        return sorted(p for p in folder.glob("*" + CALENDAR_SUFFIX) if p.is_file())
    except OSError:
        return []


def calendar_blobs(spec_path: str) -> tuple[tuple[str, bytes], ...]:
    """Return (path as shown, bytes) of each calendar file beside a spec."""
    blobs = []
    for path in calendar_files(spec_path):
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_CALENDAR_BYTES + 1)
        except OSError:
            continue
        shown = (Path(spec_path).parent / path.name).as_posix()
        blobs.append((shown, data[:MAX_CALENDAR_BYTES]))
    return tuple(blobs)


def library_for(spec_path: str) -> Library:
    """Return the shared calendars beside a spec (read each time, checked once per text)."""
    return load_library(calendar_blobs(spec_path))


def _parse_file(path: str, data: bytes) -> tuple[SourceFile, list[m.Calendar], list[Diagnostic],
                                                 set[str]]:
    source, diags = read_source(path, data)
    if diags:
        return source, [], diags, set()
    scan = prescan(source)
    diags = list(scan.diagnostics)
    calendars: list[m.Calendar] = []
    broken: set[str] = set()
    for block in scan.blocks:
        items, block_diags = parse_block(source, block, scan.bad_lines)
        diags.extend(block_diags)
        words = block.text.split(None, 2)
        if not items and len(words) > 1:
            broken.add(words[1])
        for item in items:
            for node in item if isinstance(item, list) else [item]:
                if isinstance(node, m.Calendar):
                    calendars.append(dataclasses.replace(node, origin=Path(path).name))
                else:
                    diags.append(_not_a_calendar(source.span(block.offset, block.offset
                                                              + len(block.text.split("\n")[0]))))
                    break
    return source, calendars, diags, broken


def _not_a_calendar(span: Span) -> Diagnostic:
    return diagnostic(
        "PD612", span,
        Text("a calendar file holds only calendar definitions",
             "日历文件中只能定义日历"),
        label=Text("not a calendar", "不是日历"),
        hint=Text("move this definition into a .proc spec; keep only 'calendar NAME' blocks here",
                  "请把该定义移到 .proc 规格文件中，这里只保留“日历 名称”定义"))


@lru_cache(maxsize=32)
def load_library(blobs: tuple[tuple[str, bytes], ...]) -> Library:
    """Return the linked, checked calendars of calendar files given as (path, bytes)."""
    sources: list[SourceFile] = []
    calendars: list[m.Calendar] = []
    diags: list[Diagnostic] = []
    broken: set[str] = set()
    for path, data in blobs:
        source, found, found_diags, found_broken = _parse_file(path, data)
        sources.append(source)
        calendars.extend(found)
        diags.extend(found_diags)
        broken |= found_broken
    diags.extend(_duplicates(calendars))
    linked, link_diags = link_calendars(tuple(calendars), {}, frozenset(broken))
    diags.extend(link_diags)
    spec = _holder(linked)
    ctx = CheckContext(spec, broken_names=frozenset(broken))
    for check in CALENDAR_CHECKS:
        diags.extend(check(ctx))
    diags.sort(key=Diagnostic.sort_key)
    return Library(linked, tuple(diags), tuple(sources), frozenset(broken))


def _duplicates(calendars: Sequence[m.Calendar]) -> Iterable[Diagnostic]:
    seen: dict[str, m.Calendar] = {}
    for cal in calendars:
        first = seen.setdefault(cal.name.text, cal)
        if first is not cal:
            where = f"{first.origin}:{first.name.span.line}"
            yield diagnostic(
                "PD101", cal.name.span,
                Text(f"the calendar '{cal.name.text}' is declared twice (first in {where})",
                     f"日历“{cal.name.text}”重复定义（首次在 {where}）"),
                label=Text("declared again", "再次定义"),
                hint=Text("keep one of them, or give this one another name",
                          "请只保留一个，或为这个日历另起名称"))


def _holder(calendars: Sequence[m.Calendar]) -> m.Spec:
    """Return a spec that holds only calendars, for the calendar checks."""
    span = Span("", 1, 1, 1, 1, 0, 0)
    process = m.Process(
        name=m.Name(text="", span=span), title=None, version=None, owner=None, lang="en",
        purpose=None, scope=None, references=(), description=None, sla=None, calendar=None,
        start=None, withdraw=None, cancels=(), actions=(), span=span)
    return m.Spec(path="", process=process, calendars=tuple(calendars), roles=(), fields=(),
                  tasks=(), rules=(), ends=())


# ------------------------------------------------------------------ a spec's calendars


def link_spec(spec: m.Spec, library: Library | None = None, broken: frozenset[str] = frozenset()
              ) -> tuple[m.Spec, list[Diagnostic], tuple[SourceFile, ...], frozenset[str]]:
    """Return the spec with its calendars linked (shared ones it names added), the
    problems found (the shared files' own among them), the calendar files it read, and
    the calendar names that are broken (references to them are not reported again)."""
    local = {c.name.text for c in spec.calendars}
    wanted = [n for n in _named(spec) if n.text not in local and n.text not in broken]
    diags: list[Diagnostic] = []
    shared: dict[str, m.Calendar] = {}
    sources: tuple[SourceFile, ...] = ()
    bad: set[str] = set()
    if wanted:
        library = library if library is not None else Library()
        for name in wanted:
            problems = library.problems_of(name.text)
            cal = library.calendar(name.text)
            if cal is not None or name.text in library.broken:
                diags.extend(d for d in problems if d not in diags)
                sources = library.sources
            if cal is None or has_errors(problems):
                bad.add(name.text)
                if cal is None and name.text not in library.broken:
                    diags.append(_unknown(name, spec.calendars, library))
                continue
            shared[name.text] = cal
    linked, link_diags = link_calendars(spec.calendars, shared, broken | bad)
    diags.extend(link_diags)
    header = spec.process.calendar
    used = [shared[header.text]] if header is not None and header.text in shared else []
    spec = dataclasses.replace(spec, calendars=(*linked, *used))
    return spec, diags, sources, frozenset(bad)


def _named(spec: m.Spec) -> list[m.Name]:
    names = [spec.process.calendar] if spec.process.calendar is not None else []
    return names + [c.base for c in spec.calendars if c.base is not None]


def _unknown(name: m.Name, local: Sequence[m.Calendar], library: Library) -> Diagnostic:
    candidates = [c.name for c in (*local, *library.calendars)]
    match = closest(name.text, candidates)
    if match is not None:
        shown = next((c.origin for c in library.calendars if c.name is match), None)
        where = f"{shown}:{match.span.line}" if shown else str(match.span.line)
        hint = Text(f"did you mean {match.text} ({'line ' if not shown else ''}{where})?",
                    f"是否应为 {match.text}（{'第 ' + where + ' 行' if not shown else where}）？")
    else:
        hint = Text(f"declare it in this spec (calendar {name.text}) or in a calendar file "
                    f"beside it (a {CALENDAR_SUFFIX} file in the same folder)",
                    f"请在本规格中声明（日历 {name.text}），或在同一文件夹的日历文件"
                    f"（{CALENDAR_SUFFIX} 文件）中声明")
    return diagnostic(
        "PD205", name.span,
        Text(f"the calendar '{name.text}' does not exist, neither in this spec nor in a "
             "calendar file beside it",
             f"日历“{name.text}”不存在：本规格和同一文件夹的日历文件中都没有声明"),
        label=Text(f"no calendar named {name.text}", f"没有名为 {name.text} 的日历"), hint=hint)


# ------------------------------------------------------------------ linking


def link_calendars(calendars: Sequence[m.Calendar], shared: Mapping[str, m.Calendar],
                   broken: frozenset[str] = frozenset()
                   ) -> tuple[tuple[m.Calendar, ...], list[Diagnostic]]:
    """Return each calendar with what it is based on and its official days written in."""
    by_name: dict[str, m.Calendar] = {}
    for cal in calendars:
        by_name.setdefault(cal.name.text, cal)
    done: dict[int, m.Calendar] = {}
    diags: list[Diagnostic] = []

    def link(cal: m.Calendar, trail: tuple[str, ...]) -> m.Calendar:
        if id(cal) in done:
            return done[id(cal)]
        base: m.Calendar | None = None
        if cal.base is not None:
            name = cal.base.text
            if name == cal.name.text or name in trail:
                diags.append(_circle(cal, (*trail, cal.name.text)))
            elif name in by_name:
                base = link(by_name[name], (*trail, cal.name.text))
            elif name in shared:
                base = shared[name]
            elif name not in broken:
                diags.append(_unknown_base(cal.base, [*by_name.values(), *shared.values()]))
        official = _official(cal.public, diags)
        done[id(cal)] = result = flatten(cal, base, official)
        return result

    return tuple(link(c, ()) for c in calendars), diags


def _circle(cal: m.Calendar, trail: tuple[str, ...]) -> Diagnostic:
    """Report cal's ``based on`` closing a circle; trail ends with cal's own name."""
    base = cal.base
    assert base is not None
    loop = " -> ".join((*trail[trail.index(base.text):], base.text))
    return diagnostic(
        "PD614", base.span,
        Text(f"the calendar '{cal.name.text}' is based on itself ({loop})",
             f"日历“{cal.name.text}”最终以自身为基础（{loop}）"),
        label=Text("based on itself", "循环基于"),
        hint=Text("base a calendar on another that is not based on it",
                  "请让日历基于另一个不以它为基础的日历"))


def _unknown_base(name: m.Name, candidates: Sequence[m.Calendar]) -> Diagnostic:
    match = closest(name.text, [c.name for c in candidates])
    hint = (Text(f"did you mean {match.text}?", f"是否应为 {match.text}？") if match else
            Text(f"declare the calendar {name.text} in this file or in a calendar file "
                 f"({CALENDAR_SUFFIX}) beside it",
                 f"请在本文件或同一文件夹的日历文件（{CALENDAR_SUFFIX}）中声明日历 {name.text}"))
    return diagnostic(
        "PD205", name.span,
        Text(f"the calendar '{name.text}' this calendar is based on does not exist",
             f"作为基础的日历“{name.text}”不存在"),
        label=Text(f"no calendar named {name.text}", f"没有名为 {name.text} 的日历"), hint=hint)


Layer = dict[_dt.date, tuple[bool, Span]]  # date -> (is a holiday, where it was written)


def _official(sources: Sequence[m.PublicHolidays], diags: list[Diagnostic]) -> Layer:
    days: Layer = {}
    for source in sources:
        region = region_of(source.region.text)
        if region is None:
            diags.append(diagnostic(
                "PD615", source.region.span,
                Text(f"procdsl knows no official holidays for '{source.region.text}'",
                     f"procdsl 没有“{source.region.text}”的法定节假日数据"),
                label=Text("unknown region", "未知的地区"),
                hint=Text("write CN (or 中国) for mainland China, e.g. public holidays CN 2026; "
                          "write other regions' holidays by hand",
                          "中国大陆请写 中国（或 CN），例如 法定节假日 中国 2026；其他地区请手工写出节假日")))
            continue
        for years in source.years:
            if not _years_ok(years, diags):
                continue
            for year in range(years.first, years.last + 1):
                try:
                    found = official_year(region, year)
                except OfficialDaysUnavailable as err:
                    diags.append(diagnostic(
                        "PD616", years.span, err.message,
                        label=Text("no official days", "没有法定节假日数据"), hint=err.hint))
                    break
                days.update((d, (True, source.span)) for d in found.holidays)
                days.update((d, (False, source.span)) for d in found.makeup_days)
    return days


def _years_ok(years: m.YearSpan, diags: list[Diagnostic]) -> bool:
    text = f"{years.first}..{years.last}" if years.first != years.last else str(years.first)
    if years.first < 1900 or years.last > 9999 or years.last < years.first \
            or years.last - years.first >= MAX_YEARS:
        diags.append(diagnostic(
            "PD615", years.span,
            Text(f"{text} is not a year or a range of years a calendar can cover",
                 f"{text} 不是日历可以覆盖的年份或年份范围"),
            label=Text("bad years", "年份不合理"),
            hint=Text(f"write a year or an earlier..later range of at most {MAX_YEARS} years, "
                      "e.g. 2026 or 2025..2026",
                      f"请写年份，或由早到晚、最多 {MAX_YEARS} 年的范围，例如 2026 或 2025..2026")))
        return False
    return True


def _layer(spans: Iterable[m.DateSpan], holiday: bool) -> Layer:
    return {d: (holiday, s.span) for s in spans for d in s.dates()} if _short(spans) else {}


def _short(spans: Iterable[m.DateSpan]) -> bool:
    return all((range_days(s) or 0) <= MAX_RANGE_DAYS for s in spans)


def _runs(days: Layer, holiday: bool) -> list[m.DateSpan]:
    """Return the days of one kind as date spans: consecutive days from one line as one."""
    out: list[m.DateSpan] = []
    for day in sorted(d for d, (h, _) in days.items() if h is holiday):
        span = days[day][1]
        last = out[-1] if out else None
        if (last is not None and last.span == span
                and _dt.date.fromisoformat(last.last) + _dt.timedelta(days=1) == day):
            out[-1] = dataclasses.replace(last, last=day.isoformat())
        else:
            out.append(m.DateSpan(first=day.isoformat(), last=day.isoformat(), span=span))
    return out


def flatten(cal: m.Calendar, base: m.Calendar | None, official: Layer) -> m.Calendar:
    """Return cal holding every day itself: its base's, the official ones, its own."""
    if base is None and not official:
        return cal
    own: Layer = {**_layer(cal.holidays, True), **_layer(cal.makeup_days, False)}
    lower: Layer = {}
    if base is not None:
        lower.update(_layer(base.holidays, True))
        lower.update(_layer(base.makeup_days, False))
    lower.update(official)
    lower = {d: v for d, v in lower.items() if d not in own}

    def merged(written: tuple[m.DateSpan, ...], holiday: bool) -> tuple[m.DateSpan, ...]:
        spans = [*_runs(lower, holiday), *written]
        return tuple(sorted(spans, key=lambda s: (s.first, s.last)))

    return dataclasses.replace(
        cal,
        workdays=cal.workdays or (base.workdays if base else ()),
        hours=cal.hours or (base.hours if base else ()),
        timezone=cal.timezone or (base.timezone if base else None),
        holidays=merged(cal.holidays, True), makeup_days=merged(cal.makeup_days, False))
