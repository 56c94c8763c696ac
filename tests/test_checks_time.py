"""Calendar and SLA checks (PD601-PD610)."""

from __future__ import annotations

from procdsl.checks.calendars import weekday_numbers
from procdsl.compiler import check_text
from procdsl.diagnostics import Diagnostic, Severity

CALENDAR = """\
calendar office
  workdays mon..fri
  hours 09:00-12:00, 13:00-18:00
  holidays 2026-10-01..2026-10-07
  timezone Asia/Shanghai
"""


def spec(*, header: str = "", calendar: str = CALENDAR, ask: str = "", decide: str = "",
         pay: str = "", lang: str = "en", use_calendar: bool = True) -> str:
    """Return a three-task spec (ask -> decide -> pay -> done) with extra lines."""
    uses = "  calendar office\n" if use_calendar else ""
    return (f"process buy \"Buying\"\n  lang {lang}\n{uses}{header}\n{calendar}\n"
            "roles\n  clerk\n  boss\n\n"
            f"step ask\n  by clerk\n{ask}  then decide\n\n"
            f"approval decide\n  by boss\n{decide}  approve -> pay\n  reject -> end lost\n\n"
            f"step pay\n  by clerk\n{pay}  then end done\n\n"
            "end done success\nend lost failure\n")


def found(text: str) -> list[Diagnostic]:
    unit = check_text("t.proc", text.encode())
    return [d for d in unit.diagnostics if d.code.startswith("PD6")]


def where(text: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def only(text: str, code: str) -> Diagnostic:
    diags = found(text)
    assert [d.code for d in diags] == [code], [d.message.en for d in diags]
    return diags[0]


def test_clean_spec_has_no_time_problems() -> None:
    text = spec(header="  sla 10 workdays\n", ask="  sla 4 work hours\n",
                decide="  sla 1 workday\n    remind at 75%\n    on breach auto approve\n")
    assert found(text) == []


def test_unknown_weekday() -> None:
    text = spec(calendar=CALENDAR.replace("mon..fri", "mon..fir"))
    d = only(text, "PD601")
    assert (d.span.line, d.span.column) == where(text, "fir")
    assert d.message.en == "fir is not a day of the week"
    assert d.hint is not None and d.hint.en == "did you mean fri?"


def test_chinese_weekdays_are_known() -> None:
    assert found(spec(calendar=CALENDAR.replace("mon..fri", "周一..周五"))) == []


def test_weekday_ranges_wrap() -> None:
    unit = check_text("t.proc", spec(calendar=CALENDAR.replace("mon..fri", "fri..mon")).encode())
    assert unit.spec is not None
    assert weekday_numbers(unit.spec.calendars[0]) == (1, 5, 6, 7)


def test_hours_out_of_range() -> None:
    text = spec(calendar=CALENDAR.replace("13:00-18:00", "13:00-25:00"))
    d = only(text, "PD602")
    assert (d.span.line, d.span.column) == where(text, "13:00-25:00")
    assert d.message.en == "25:00 is not a time of day"


def test_hours_reversed() -> None:
    text = spec(calendar=CALENDAR.replace("13:00-18:00", "18:00-13:00"))
    d = only(text, "PD602")
    assert (d.span.line, d.span.column) == where(text, "18:00-13:00")
    assert d.message.en == "working hours 18:00-13:00 end before they start"


def test_hours_overlap() -> None:
    text = spec(calendar=CALENDAR.replace("13:00-18:00", "11:00-18:00"))
    d = only(text, "PD602")
    assert (d.span.line, d.span.column) == where(text, "11:00-18:00")
    assert d.message.en == "working hours 11:00-18:00 overlap 09:00-12:00"


def test_holidays_reversed() -> None:
    text = spec(calendar=CALENDAR.replace("2026-10-01..2026-10-07", "2026-10-07..2026-10-01"))
    d = only(text, "PD603")
    assert (d.span.line, d.span.column) == where(text, "2026-10-07..2026-10-01")
    assert d.message.en == "2026-10-07..2026-10-01 ends before it starts"
    assert d.hint is not None and d.hint.en == "write 2026-10-01..2026-10-07"


def test_holidays_out_of_order() -> None:
    text = spec(calendar=CALENDAR.replace("2026-10-07", "2026-10-07, 2026-05-01"))
    d = only(text, "PD603")
    assert (d.span.line, d.span.column) == where(text, "2026-05-01")
    assert d.message.en == ("the holiday 2026-05-01 is listed after 2026-10-01..2026-10-07 "
                            "but comes before it")


def test_holidays_overlap() -> None:
    text = spec(calendar=CALENDAR.replace("2026-10-07", "2026-10-07, 2026-10-05..2026-10-09"))
    d = only(text, "PD603")
    assert (d.span.line, d.span.column) == where(text, "2026-10-05..2026-10-09")
    assert d.message.en == ("the holiday 2026-10-05..2026-10-09 overlaps 2026-10-01..2026-10-07, "
                            "listed before it")
    assert d.label is not None and d.label.en == "overlap"


def test_make_up_day_that_is_a_holiday() -> None:
    text = spec(calendar=CALENDAR + "  makeup 2026-09-27, 2026-10-03\n")
    d = only(text, "PD603")
    assert (d.span.line, d.span.column) == where(text, "2026-10-03")
    assert d.message.en == "2026-10-03 is both a holiday and a make-up working day"


def test_bad_date_in_calendar() -> None:
    text = spec(calendar=CALENDAR.replace("2026-10-07", "2026-10-07, 2026-02-30"))
    d = only(text, "PD609")
    assert (d.span.line, d.span.column) == where(text, "2026-02-30")
    assert d.message.en == "2026-02-30 is not a real date"


def test_unknown_time_zone() -> None:
    text = spec(calendar=CALENDAR.replace("Asia/Shanghai", "Asia/Shangai"))
    d = only(text, "PD605")
    assert (d.span.line, d.span.column) == where(text, "Asia/Shangai")
    assert d.hint is not None and d.hint.en == "did you mean Asia/Shanghai?"


def test_zero_sla() -> None:
    text = spec(ask="  sla 0 hours\n")
    d = only(text, "PD610")
    assert (d.span.line, d.span.column) == where(text, "0 hours")
    assert d.message.en == "the SLA of ask is zero: it would be overdue at once"


def test_reminder_percent() -> None:
    text = spec(decide="  sla 2 days\n    remind at 100%\n")
    d = only(text, "PD606")
    assert (d.span.line, d.span.column) == where(text, "remind at 100%")
    assert "100%" in d.message.en


def test_reminder_before_longer_than_sla() -> None:
    text = spec(decide="  sla 1 workday\n    remind 8 work hours before\n")
    d = only(text, "PD606")
    assert (d.span.line, d.span.column) == where(text, "remind 8 work hours before")
    assert d.message.en == ("a reminder 8 work hours before the deadline is not within the SLA "
                            "of 1 workday")


def test_reminder_zero_before() -> None:
    text = spec(decide="  sla 1 days\n    remind 0 hours before\n")
    d = only(text, "PD606")
    assert (d.span.line, d.span.column) == where(text, "remind 0 hours before")
    assert d.message.en == "a reminder 0 hours before the deadline comes only at the deadline"


def test_reminder_before_within_sla() -> None:
    assert found(spec(decide="  sla 1 days\n    remind 10 hours before\n")) == []


def test_working_time_without_calendar() -> None:
    text = spec(ask="  sla 2 workdays\n", use_calendar=False)
    d = only(text, "PD607")
    assert (d.span.line, d.span.column) == where(text, "2 workdays")
    assert d.message.en == "2 workdays counts working time, but the process names no calendar"
    assert d.hint is not None and d.hint.en.startswith("add 'calendar office' to the process")


def test_auto_approve_on_a_step() -> None:
    text = spec(ask="  sla 1 days\n    on breach auto approve\n")
    d = only(text, "PD608")
    assert (d.span.line, d.span.column) == where(text, "auto approve")
    assert "ask is a step, not an approval" in d.message.en


def test_two_decisions_on_breach() -> None:
    text = spec(decide="  sla 1 days\n    on breach auto approve\n    on breach auto reject\n")
    d = only(text, "PD608")
    assert (d.span.line, d.span.column) == where(text, "auto reject")


def test_auto_reject_on_the_process_sla_in_chinese() -> None:
    text = spec(header="  sla 10 days\n    on breach auto reject\n", lang="zh")
    d = only(text, "PD608")
    assert (d.span.line, d.span.column) == where(text, "auto reject")
    assert d.message.zh == "流程时限超时后不能自动驳回：没有可以决定的审批"


def test_goto_on_breach_fits_a_step() -> None:
    assert found(spec(ask="  sla 1 days\n    on breach goto pay\n")) == []


def test_process_sla_shorter_than_fastest_path() -> None:
    text = spec(header="  sla 2 workdays\n", ask="  sla 1 workday\n",
                decide="  sla 4 work hours\n", pay="  sla 1 workday\n")
    d = only(text, "PD604")
    assert d.severity is Severity.WARNING
    assert (d.span.line, d.span.column) == where(text, "2 workdays")
    assert d.message.en == ("the process SLA is 2 workdays, but the fastest way to done takes "
                            "about 2.5 workdays by the step SLAs")
    assert [n.en for n in d.notes] == ["on that path: ask 1 workday, decide 4 work hours, "
                                       "pay 1 workday"]


def test_fastest_path_uses_working_hours_per_day() -> None:
    short_days = CALENDAR.replace("09:00-12:00, 13:00-18:00", "09:00-13:00")
    text = spec(header="  sla 1 workday\n", ask="  sla 5 work hours\n", calendar=short_days)
    assert only(text, "PD604").message.en.endswith("takes about 1.25 workdays by the step SLAs")
    assert found(spec(header="  sla 1 workday\n", ask="  sla 5 work hours\n")) == []


def test_fastest_path_takes_the_quicker_branch() -> None:
    text = spec(header="  sla 3 days\n", ask="  sla 1 days\n", decide="  sla 1 days\n",
                pay="  sla 5 days\n")
    text = text.replace("  approve -> pay\n", "  approve -> end done\n  return -> pay\n")
    assert found(text) == []


def test_process_sla_message_in_chinese() -> None:
    text = spec(header="  sla 1 days\n", ask="  sla 2 days\n", lang="zh")
    expected = "流程时限为 1 天，但按各步骤时限，到达 done 最快也需要约 2 天"
    assert only(text, "PD604").message.zh == expected


def test_calendar_days_count_as_five_sevenths_of_a_working_day() -> None:
    """90 days hold about 64 workdays in a five-day week: 60 workdays fit, 68 do not."""
    def spec(step_days: int) -> str:
        return (
            'process p "P"\n  lang en\n  sla 90 days\n  calendar c\n\n'
            "calendar c\n  workdays mon..fri\n  hours 09:00-17:00\n\n"
            "roles\n  r\n\n"
            f"step a\n  by r\n  sla {step_days} workdays\n  then end done\n\n"
            "end done success\n")
    assert "PD604" not in [d.code for d in found(spec(60))]
    assert "PD604" in [d.code for d in found(spec(68))]
