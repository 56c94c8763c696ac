"""PD611: a holiday range of years is a typo; it is reported, never expanded day by day."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from procdsl.checks.calendars import MAX_RANGE_DAYS
from procdsl.cli import cli
from procdsl.compiler import check_text

CASE = Path(__file__).parent / "diagnostics" / "PD603_holidays_out_of_order.proc"
TEXT = CASE.read_text(encoding="utf-8")
LINE = "holidays 2026-10-01..2026-10-07, 2026-05-01..2026-05-05"


def codes(holidays: str, makeup: str = "2026-09-27, 2026-10-10") -> list[str]:
    text = TEXT.replace(LINE, f"holidays {holidays}").replace(
        "调休 2026-09-27, 2026-10-10", f"调休 {makeup}")
    return [d.code for d in check_text("t.proc", text.encode("utf-8")).diagnostics]


def test_a_range_to_9999_is_reported_quickly_and_small() -> None:
    started = time.perf_counter()
    assert codes("2026-10-01..9999-12-31") == ["PD611"]
    assert time.perf_counter() - started < 2


def test_codegen_refuses_it_instead_of_writing_a_huge_module(tmp_path: Path) -> None:
    spec = tmp_path / "long.proc"
    spec.write_text(TEXT.replace(LINE, "holidays 2026-10-01..9999-12-31"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["codegen", str(spec), "-o", str(tmp_path / "m.py")])
    assert result.exit_code == 1 and "PD611" in result.stderr
    assert not (tmp_path / "m.py").exists()


def test_a_year_long_range_is_fine_and_one_day_more_is_not() -> None:
    assert MAX_RANGE_DAYS == 366
    assert codes("2028-01-01..2028-12-31") == []  # a leap year: 366 days
    assert codes("2027-01-01..2028-01-01") == []
    assert codes("2027-01-01..2028-01-02") == ["PD611"]


def test_long_make_up_ranges_too_and_short_ones_still_clash() -> None:
    assert codes("2026-10-01..2026-10-07", "2026-01-01..2027-12-31") == ["PD611"]
    assert codes("2026-10-01..2026-10-07", "2026-10-03") == ["PD603"]
