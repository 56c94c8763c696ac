"""One company calendar for many specs: calendar files (.cal) beside the specs, calendars
``based on`` others, and the official holidays of mainland China from chinese-calendar."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl import official_holidays
from procdsl.cli import cli
from procdsl.compiler import check_text, compile_paths, emit_artifacts, find_specs
from procdsl.emitters.ir import emit_ir, load_ir
from procdsl.runtime import CalendarDef

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"

COMPANY = """\
# the company calendar, shared by every spec in this folder
日历 公司日历 "公司工作日历（2026）"
  工作日 周一..周五
  工作时间 09:00-12:00, 13:00-18:00
  节假日 2026-01-01..2026-01-03, 2026-02-15..2026-02-23
  调休 2026-01-04, 2026-02-14, 2026-02-28
  时区 Asia/Shanghai

日历 采购日历
  基于 公司日历
  工作时间 09:00-12:00, 13:30-18:00
"""


def spec_text(calendar: str = "公司日历", extra: str = "", name: str = "报销") -> str:
    return (f'流程 {name} "费用报销"\n  语言 zh\n  日历 {calendar}\n\n{extra}'
            "角色 员工\n步骤 填写 由 员工, 时限 2 工作日, 然后 结束 完成\n"
            '结束 完成 "已完成" 成功\n')


def folder(tmp_path: Path, calendars: str = COMPANY, **specs: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "公司日历.cal").write_text(calendars, encoding="utf-8")
    for stem, text in (specs or {"报销": spec_text()}).items():
        (tmp_path / f"{stem}.proc").write_text(text, encoding="utf-8")
    return tmp_path


def table(path: Path) -> CalendarDef:
    """Return the calendar table of the module generated for the spec at path."""
    unit = check_text(str(path), path.read_bytes())
    assert unit.spec is not None, [d.message.en for d in unit.diagnostics]
    code = emit_artifacts(unit.spec, path.stem, render_svg=False)[f"{path.stem}.py"]
    target = path.with_name(f"gen_{abs(hash(path))}.py")
    target.write_bytes(code)
    spec = importlib.util.spec_from_file_location(target.stem, target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[target.stem] = module
    spec.loader.exec_module(module)
    calendar = module.PROCESS.calendar
    assert isinstance(calendar, CalendarDef)
    return calendar


def cal_codes(path: Path) -> list[tuple[str, str, int]]:
    unit = check_text(str(path), path.read_bytes())
    return [(d.code, Path(d.span.file).name, d.span.line) for d in unit.diagnostics]


# ------------------------------------------------------------------ calendar files


def test_a_spec_names_the_calendar_of_the_file_beside_it(tmp_path: Path) -> None:
    shared = table(folder(tmp_path) / "报销.proc")
    inline = tmp_path / "inline"
    inline.mkdir()
    written = COMPANY.split("\n\n")[0] + "\n\n"
    (inline / "报销.proc").write_text(spec_text(extra=written), encoding="utf-8")
    assert table(inline / "报销.proc") == shared
    assert shared.holidays[0] == "2026-01-01" and len(shared.holidays) == 12
    assert shared.makeup_days == ("2026-01-04", "2026-02-14", "2026-02-28")


def test_a_calendar_based_on_another_takes_its_days_and_keeps_its_own_hours(
        tmp_path: Path) -> None:
    base = table(folder(tmp_path) / "报销.proc")
    (tmp_path / "采购.proc").write_text(spec_text("采购日历", name="采购"), encoding="utf-8")
    buying = table(tmp_path / "采购.proc")
    assert buying.holidays == base.holidays and buying.makeup_days == base.makeup_days
    assert buying.hours == ((540, 720), (810, 1080)) and buying.timezone == "Asia/Shanghai"


def test_a_local_calendar_based_on_the_shared_one_adds_and_overrides_days(
        tmp_path: Path) -> None:
    local = ('日历 门店日历\n  基于 公司日历\n  节假日 2026-03-02\n'
             '  调休 2026-01-02\n\n')  # the store works on 2 January
    path = folder(tmp_path, **{"门店": spec_text("门店日历", local, "门店")}) / "门店.proc"
    cal = table(path)
    assert "2026-03-02" in cal.holidays and "2026-01-02" not in cal.holidays
    assert "2026-01-02" in cal.makeup_days and "2026-01-01" in cal.holidays


def test_the_calendar_file_is_checked_once_and_its_errors_point_into_it(
        tmp_path: Path) -> None:
    broken = COMPANY.replace("2026-02-15..2026-02-23", "2026-02-23..2026-02-15")
    root = folder(tmp_path, broken, 甲=spec_text(name="甲"), 乙=spec_text(name="乙"))
    assert cal_codes(root / "甲.proc") == [("PD603", "公司日历.cal", 5)]
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    assert result.stderr.count("error[PD603]") + result.stderr.count("错误[PD603]") == 1
    assert "公司日历.cal:5:" in result.stderr and "^" in result.stderr
    assert "2026-02-23..2026-02-15" in result.stderr  # the line of the calendar file itself


def test_a_calendar_file_holds_only_calendars(tmp_path: Path) -> None:
    root = folder(tmp_path, COMPANY + "\n角色 员工\n")
    assert cal_codes(root / "报销.proc") == [("PD612", "公司日历.cal", 13)]


def test_an_unknown_calendar_suggests_the_shared_one(tmp_path: Path) -> None:
    path = folder(tmp_path, **{"报销": spec_text("公司日立")}) / "报销.proc"
    unit = check_text(str(path), path.read_bytes())
    [d] = unit.diagnostics
    assert d.code == "PD205" and d.hint is not None
    assert d.hint.zh == "是否应为 公司日历（公司日历.cal:2）？"
    assert "日历文件" in d.message.zh and "calendar file" in d.message.en


def test_a_spec_without_a_calendar_file_still_reports_an_unknown_calendar(
        tmp_path: Path) -> None:
    (tmp_path / "x.proc").write_text(spec_text("无此日历"), encoding="utf-8")
    assert cal_codes(tmp_path / "x.proc") == [("PD205", "x.proc", 3)]


def test_a_calendar_the_spec_declares_wins_and_the_file_is_not_read(tmp_path: Path) -> None:
    own = '日历 公司日历\n  工作日 周一..周六\n  工作时间 08:00-12:00\n\n'
    root = folder(tmp_path, "this is not a calendar file\n", 报销=spec_text(extra=own))
    assert table(root / "报销.proc").workdays == (1, 2, 3, 4, 5, 6)


def test_calendars_based_on_each_other_in_a_circle(tmp_path: Path) -> None:
    circle = "日历 甲\n  基于 乙\n  工作日 周一..周五\n\n日历 乙\n  基于 甲\n"
    root = folder(tmp_path, circle, 报销=spec_text("甲"))
    assert [c for c, _, _ in cal_codes(root / "报销.proc")] == ["PD614"]


def test_the_ir_names_the_calendar_file_and_reads_back(tmp_path: Path) -> None:
    path = folder(tmp_path) / "报销.proc"
    unit = check_text(str(path), path.read_bytes())
    assert unit.spec is not None
    ir = emit_ir(unit.spec)
    [cal] = json.loads(ir)["calendars"]
    assert cal["origin"] == "公司日历.cal" and cal["file"] == "公司日历.cal"
    again = load_ir(ir)
    assert again.calendars[0].span.file == unit.spec.calendars[0].span.file
    assert emit_ir(again) == ir


def test_editing_the_calendar_file_rebuilds_the_specs_that_use_it(tmp_path: Path) -> None:
    root = folder(tmp_path / "specs")
    out = tmp_path / "gen"
    assert CliRunner().invoke(cli, ["build", str(root), "-o", str(out)]).exit_code == 0
    before = (out / "报销.py").read_text(encoding="utf-8")
    (root / "公司日历.cal").write_text(COMPANY.replace("2026-02-28", "2026-03-01"),
                                       encoding="utf-8")
    assert CliRunner().invoke(cli, ["build", str(root), "-o", str(out)]).exit_code == 0
    after = (out / "报销.py").read_text(encoding="utf-8")
    assert "'2026-02-28'" in before and "'2026-03-01'" in after


def test_the_build_is_the_same_from_any_folder(tmp_path: Path) -> None:
    root = folder(tmp_path / "specs")
    env = {**os.environ, "PYTHONHASHSEED": "7", "TZ": "America/New_York"}
    outs = []
    for cwd, seed in ((tmp_path, "1"), (root, "2")):
        out = tmp_path / f"gen{seed}"
        subprocess.run([sys.executable, "-m", "procdsl", "build", str(root), "-o", str(out)],
                       cwd=cwd, env={**env, "PYTHONHASHSEED": seed}, check=True,
                       capture_output=True)
        outs.append({p.name: p.read_bytes() for p in out.iterdir()
                     if p.suffix in (".py", ".json", ".md", ".bpmn")})
    assert outs[0] == outs[1]


# ------------------------------------------------------------------ the specs folder


def test_the_specs_share_one_company_calendar() -> None:
    files, _ = find_specs([SPECS])
    units = {Path(u.path).stem: u for u in compile_paths(files)}
    shared = [stem for stem, u in units.items() if u.spec is not None and any(
        c.origin == "公司日历.cal" for c in u.spec.calendars)]
    assert len(shared) == 9
    for stem in (*shared, "订单交付流程"):
        text = (SPECS / f"{stem}.proc").read_text(encoding="utf-8")
        assert "节假日 2026" not in text and "holidays 2026" not in text, stem
        cal = units[stem].spec.process_calendar  # type: ignore[union-attr]
        assert cal is not None
        days = {d for s in cal.holidays for d in s.dates()}
        assert len(days) == 33 and len({d for s in cal.makeup_days for d in s.dates()}) == 6


# ------------------------------------------------------------------ official days

needs_package = pytest.mark.skipif(importlib.util.find_spec("chinese_calendar") is None,
                                   reason="chinese-calendar is not installed (procdsl[cn])")


@needs_package
def test_official_holidays_of_2026_are_the_company_calendar(tmp_path: Path) -> None:
    official = COMPANY.split("\n\n")[0].split("  节假日")[0] + (
        "  法定节假日 中国 2026\n  时区 Asia/Shanghai\n")
    root = folder(tmp_path, official)
    cal = table(root / "报销.proc")
    written = (SPECS / "公司日历.cal").read_text(encoding="utf-8").split("\n\n")[0]
    (tmp_path / "written").mkdir()
    other = folder(tmp_path / "written", written + "\n")
    assert table(other / "报销.proc") == cal
    assert len(cal.holidays) == 33 and cal.makeup_days[0] == "2026-01-04"


@needs_package
def test_hand_written_days_combine_with_the_official_ones(tmp_path: Path) -> None:
    text = ("calendar office\n  workdays mon..fri\n  hours 09:00-17:00\n"
            "  public holidays CN 2025..2026\n  holidays 2026-12-31\n  makeup 2026-10-08\n"
            "  holidays 2026-10-10\n  timezone Asia/Shanghai\n")
    (tmp_path / "office.cal").write_text(text, encoding="utf-8")
    spec = spec_text("office").replace("语言 zh", "语言 en")
    (tmp_path / "x.proc").write_text(spec, encoding="utf-8")
    cal = table(tmp_path / "x.proc")
    assert "2026-12-31" in cal.holidays and "2025-01-01" in cal.holidays
    assert "2026-10-10" in cal.holidays and "2026-10-10" not in cal.makeup_days
    assert "2026-10-08" in cal.makeup_days and "2026-10-08" in cal.makeup_days
    assert list(cal.holidays) == sorted(set(cal.holidays))


@needs_package
def test_the_generated_module_does_not_need_the_package(tmp_path: Path) -> None:
    extra = ('日历 官方\n  工作日 周一..周五\n  工作时间 09:00-17:00\n'
             '  法定节假日 CN 2026\n  时区 Asia/Shanghai\n\n')
    path = tmp_path / "x.proc"
    path.write_text(spec_text("官方", extra), encoding="utf-8")
    unit = check_text(str(path), path.read_bytes())
    assert unit.spec is not None
    code = emit_artifacts(unit.spec, "x", render_svg=False)["x.py"].decode()
    assert "chinese_calendar" not in code and "'2026-10-07'" in code


def test_a_missing_package_is_a_clear_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    official_holidays._tables.cache_clear()
    official_holidays.official_year.cache_clear()
    monkeypatch.setitem(sys.modules, "chinese_calendar", None)  # import fails
    try:
        root = folder(tmp_path, "日历 公司日历\n  工作日 周一..周五\n  法定节假日 中国 2026\n")
        unit = check_text(str(root / "报销.proc"), (root / "报销.proc").read_bytes())
        [d] = unit.diagnostics
        assert d.code == "PD616" and "chinese-calendar" in d.message.zh
        assert d.hint is not None and "procdsl[cn]" in d.hint.en
    finally:
        official_holidays._tables.cache_clear()
        official_holidays.official_year.cache_clear()


@needs_package
def test_a_year_the_package_does_not_know_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "x.proc").write_text(spec_text("官方", "日历 官方\n  法定节假日 中国 2026, 2080\n\n"),
                                     encoding="utf-8")
    [(code, _, line)] = cal_codes(tmp_path / "x.proc")
    assert (code, line) == ("PD616", 6)


def test_the_editor_shows_a_calendar_file_problem_on_the_line_naming_the_calendar(
        tmp_path: Path) -> None:
    pytest.importorskip("lsprotocol")
    from procdsl.lsp import features

    broken = COMPANY.replace("13:00-18:00", "13:00-12:00")
    root = folder(tmp_path, broken)
    path = root / "报销.proc"
    text = path.read_text(encoding="utf-8")
    found = features.analyse(path.as_uri(), str(path), text)
    [d] = features.diagnostics(found)
    assert d.code == "PD602" and d.range.start.line == 2  # 日历 公司日历, 0-based
    assert d.message.startswith("公司日历.cal:4:")
