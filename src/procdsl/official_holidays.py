"""Official public holidays and make-up workdays, from a maintained package.

``public holidays CN 2026`` (``法定节假日 中国 2026``) in a calendar asks for the State
Council's holidays (法定节假日) and make-up workdays (调休上班日) of mainland China for
the years named.  They come from the ``chinese-calendar`` package (the optional extra
``procdsl[cn]``) when the spec is compiled, and are written into every artifact as
plain dates: generated modules never need the package.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.metadata
from dataclasses import dataclass
from functools import cache

from .diagnostics import Text

# Every spelling of a region a process owner may write, and the region it means.
REGIONS: dict[str, str] = {"cn": "CN", "中国": "CN", "china": "CN", "中国大陆": "CN",
                           "prc": "CN", "内地": "CN"}
PACKAGES: dict[str, str] = {"CN": "chinese-calendar"}
_MODULES: dict[str, str] = {"CN": "chinese_calendar"}


@dataclass(frozen=True, slots=True)
class OfficialYear:
    """One year of a region's official days: holidays and make-up workdays, in order."""

    holidays: tuple[_dt.date, ...]
    makeup_days: tuple[_dt.date, ...]


class OfficialDaysUnavailable(Exception):
    """The official days cannot be had: the package is missing or does not know the year."""

    def __init__(self, message: Text, hint: Text) -> None:
        super().__init__(message.en)
        self.message = message
        self.hint = hint


def region_of(word: str) -> str | None:
    """Return the region code a written region means ('中国' -> 'CN'), or None."""
    return REGIONS.get(word.lower())


def package_version(region: str) -> str:
    """Return 'chinese-calendar 1.11.0' (the data a build used), or '' when not installed."""
    name = PACKAGES[region]
    try:
        return f"{name} {importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return ""


@cache
def _tables(region: str) -> tuple[dict[_dt.date, object], dict[_dt.date, object]]:
    name = PACKAGES[region]
    try:
        module = importlib.import_module(_MODULES[region])
    except ImportError:
        raise OfficialDaysUnavailable(
            Text(f"the official holidays of mainland China come from the {name} package, "
                 "which is not installed",
                 f"中国法定节假日与调休数据来自 {name} 软件包，但该软件包尚未安装"),
            Text(f"install it with: pip install 'procdsl[cn]' (or pip install {name}), "
                 "or write the holidays and make-up days by hand",
                 f"请安装：pip install 'procdsl[cn]'（或 pip install {name}），"
                 "或手工写出节假日和调休")) from None
    return dict(module.holidays), dict(module.workdays)


def known_years(region: str) -> tuple[int, int]:
    """Return the first and last year the installed package has official days for."""
    holidays, _ = _tables(region)
    years = sorted({d.year for d in holidays})
    return years[0], years[-1]


@cache
def official_year(region: str, year: int) -> OfficialYear:
    """Return a region's official days of one year (raises OfficialDaysUnavailable)."""
    holidays, workdays = _tables(region)
    first, last = known_years(region)
    if not first <= year <= last:
        raise OfficialDaysUnavailable(
            Text(f"the official holidays of mainland China for {year} are not known to the "
                 f"installed {PACKAGES[region]} package",
                 f"已安装的 {PACKAGES[region]} 软件包中没有中国大陆 {year} 年的法定节假日安排"),
            Text(f"upgrade it once the State Council has announced {year} "
                 f"(pip install -U {PACKAGES[region]}), or write {year}'s holidays and make-up "
                 "days by hand",
                 f"国务院公布 {year} 年安排后请升级（pip install -U {PACKAGES[region]}），"
                 f"或手工写出 {year} 年的节假日和调休"))
    return OfficialYear(
        holidays=tuple(sorted(d for d in holidays if d.year == year)),
        makeup_days=tuple(sorted(d for d in workdays if d.year == year and d.isoweekday() > 5)))
