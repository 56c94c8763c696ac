"""Document control of the manuals: company, document number, sign-off, status, retention.

It comes from a ``procdsl.toml`` beside the specs (read with ``tomllib``), falling back
on the spec's own header (version, owner) and the status "draft".  docs/documents.md
describes the file::

    [document]
    company = "某某有限公司"
    number = "QP-{process}-{version}"     # {process} {version} {owner} {lang}
    prepared_by = "客户服务部"
    reviewed_by = "质量管理部"
    approved_by = "总经理"
    effective = 2026-03-01                # a TOML date or "YYYY-MM-DD"
    status = "controlled"                 # controlled | uncontrolled | draft (or 受控 …)
    retention = "3 年"

    [document.processes."新客户注册"]     # per process (its name in the spec)
    number = "QP-KH-001"

A bad file raises ``DocControlError`` naming the file, the key and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import model as m

FILE_NAME = "procdsl.toml"

# status token -> (中文, English); the spellings accepted in procdsl.toml
STATUSES: dict[str, tuple[str, str]] = {
    "controlled": ("受控", "Controlled"),
    "uncontrolled": ("非受控", "Uncontrolled"),
    "draft": ("草稿", "Draft"),
}
_STATUS_WORDS = {w.lower(): token for token, words in STATUSES.items() for w in (token, *words)}
PLACEHOLDERS = ("process", "version", "owner", "lang")
_TEXT_KEYS = ("company", "number", "prepared_by", "reviewed_by", "approved_by", "retention")
_KEYS = (*_TEXT_KEYS, "effective", "status")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DocControlError(Exception):
    """A procdsl.toml that cannot be used; the message names file, key and problem."""

    def __init__(self, path: Path | str, key: str | None, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{self.path}: {key}: {problem}" if key else f"{self.path}: {problem}")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The [document] table of a procdsl.toml (or nothing), before a spec is applied."""

    source: str | None = None  # the file it was read from
    company: str | None = None
    number: str | None = None  # a pattern with {process} {version} {owner} {lang}
    prepared_by: str | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None
    effective: str | None = None  # YYYY-MM-DD
    status: str | None = None  # a STATUSES token
    retention: str | None = None
    processes: tuple[tuple[str, Settings], ...] = ()

    def merged(self, other: Settings) -> Settings:
        """Return these settings with other's given values on top."""
        values = {k: getattr(other, k) if getattr(other, k) is not None else getattr(self, k)
                  for k in _KEYS}
        return Settings(source=self.source, processes=(), **values)


@dataclass(frozen=True, kw_only=True)
class DocumentControl:
    """The document-control facts of one manual (plain text; None = not stated)."""

    company: str | None
    number: str | None
    version: str | None
    prepared_by: str | None
    reviewed_by: str | None
    approved_by: str | None
    effective: str | None
    status: str  # a STATUSES token
    retention: str | None

    def status_text(self, lang: str) -> str:
        zh, en = STATUSES[self.status]
        return zh if lang == "zh" else en


def _text(path: Path, key: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DocControlError(path, key, f"must be text (a quoted string), not {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise DocControlError(path, key, "is empty; leave the key out instead")
    return text


def _kind(value: object) -> str:
    names = {bool: "true/false", dict: "a table", list: "a list", dt.datetime: "a date-time",
             dt.time: "a time", dt.date: "a date", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _settings(path: Path, key: str, table: dict[str, object], nested: bool) -> Settings:
    values: dict[str, str | None] = {}
    processes: list[tuple[str, Settings]] = []
    for name, value in table.items():
        where = f"{key}.{name}"
        if name == "processes" and nested:
            if not isinstance(value, dict):
                raise DocControlError(path, where, f"must be a table of processes, not {_kind(value)}")
            for process, sub in value.items():
                sub_key = f"{where}.{_toml_key(process)}"
                if not isinstance(sub, dict):
                    raise DocControlError(path, sub_key, f"must be a table, not {_kind(sub)}")
                processes.append((process, _settings(path, sub_key, sub, False)))
        elif name in _TEXT_KEYS:
            values[name] = _text(path, where, value)
        elif name == "effective":
            values[name] = _date(path, where, value)
        elif name == "status":
            word = _text(path, where, value)
            token = _STATUS_WORDS.get(word.lower())
            if token is None:
                raise DocControlError(path, where, f"unknown status {word!r}; use one of "
                                      + ", ".join(STATUSES))
            values[name] = token
        else:
            known = ", ".join((*_KEYS, "processes") if nested else _KEYS)
            raise DocControlError(path, where, f"unknown key; the keys are {known}")
    if values.get("number"):
        _check_pattern(path, f"{key}.number", values["number"] or "")
    return Settings(source=str(path), processes=tuple(processes), **values)


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


def _date(path: Path, key: str, value: object) -> str:
    if isinstance(value, dt.datetime):
        raise DocControlError(path, key, "must be a date (2026-03-01), not a date-time")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
        raise DocControlError(path, key, f"{value!r} is not a day of the calendar")
    raise DocControlError(path, key, f"must be a date like 2026-03-01, not {value!r}")


def _check_pattern(path: Path, key: str, pattern: str) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as err:
        raise DocControlError(path, key, f"bad pattern {pattern!r} ({err}); write a literal "
                              "brace as {{ or }}") from None
    for name in fields:
        if name not in PLACEHOLDERS:
            raise DocControlError(path, key, f"unknown placeholder {{{name}}} in {pattern!r}; "
                                  "use " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))


def load_settings(path: Path) -> Settings:
    """Return the [document] settings of one procdsl.toml (DocControlError when bad)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DocControlError(path, None, f"cannot be read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise DocControlError(path, None, "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise DocControlError(path, None, f"is not valid TOML: {err}") from None
    document = data.get("document")
    if document is None:
        return Settings(source=str(path))
    if not isinstance(document, dict):
        raise DocControlError(path, "document", f"must be a table ([document]), not {_kind(document)}")
    return _settings(path, "document", document, True)


def find_settings(spec_path: Path | str) -> Settings:
    """Return the settings of the procdsl.toml beside a spec, or none when there is none."""
    candidate = Path(spec_path).parent / FILE_NAME
    return load_settings(candidate) if candidate.is_file() else Settings()


def control_for(spec: m.Spec, settings: Settings | None = None) -> DocumentControl:
    """Return the document control of spec: its process's settings over the file's, over
    the spec's header (version, owner as preparer) and status draft."""
    settings = settings or Settings()
    p = spec.process
    for name, sub in settings.processes:
        if name == p.name.text:
            settings = settings.merged(sub)
            break
    version = p.version
    number = None
    if settings.number:
        number = settings.number.format(process=p.name.text, version=version or "",
                                        owner=p.owner or "", lang=spec.lang)
    return DocumentControl(
        company=settings.company, number=number, version=version,
        prepared_by=settings.prepared_by or p.owner, reviewed_by=settings.reviewed_by,
        approved_by=settings.approved_by, effective=settings.effective,
        status=settings.status or "draft", retention=settings.retention)


Table = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]  # header, rows


def control_tables(control: DocumentControl, lang: str, t: dict[str, str]) -> tuple[Table, Table]:
    """Return the document-control block as two tables of plain text: the document's
    facts, and the sign-off (编制/审核/批准 with a name, a signature and a date each).

    Every format shows these same tables (Markdown, Word, HTML and PDF)."""
    none = t["none"]
    facts = ((t["company"], t["doc_number"], t["version"], t["control_status"], t["effective"],
              t["retention"]),
             ((control.company or none, control.number or none, control.version or t["unversioned"],
               control.status_text(lang), control.effective or none, control.retention or none),))
    signoff = ((t["item"], t["prepared_by"], t["reviewed_by"], t["approved_by"]),
               ((t["signer"], control.prepared_by or "", control.reviewed_by or "",
                 control.approved_by or ""),
                (t["signature"], "", "", ""), (t["sign_date"], "", "", "")))
    return facts, signoff
