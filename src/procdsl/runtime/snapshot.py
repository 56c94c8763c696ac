"""Cases as plain JSON and back, losslessly, refusing snapshots of another version."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import Refused, SnapshotError
from .records import SYSTEM, AuditRecord, Frame, Group, RawRecord, WorkItem
from .tables import FieldDef

if TYPE_CHECKING:
    from .case import Case
    from .workflow import Workflow

FORMAT = "procdsl.case/1"


def check_value(spec_field: FieldDef, value: Any, kind: str | None = None) -> Any:
    """Return value as the field's type expects it, or refuse a value of the wrong type."""
    kind = kind or spec_field.kind
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise Refused(f"{spec_field.name} must be a list")
        return [check_value(spec_field, v, spec_field.item or "text") for v in value]
    checks: dict[str, Callable[[Any], bool]] = {
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "decimal": lambda v: isinstance(v, (Decimal, int)) and not isinstance(v, bool),
        "money": lambda v: isinstance(v, (Decimal, int)) and not isinstance(v, bool),
        "text": lambda v: isinstance(v, str),
        "enum": lambda v: isinstance(v, str) and (not spec_field.values or v in spec_field.values),
        "date": lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
    }
    if not checks[kind](value):
        raise Refused(f"{spec_field.name} cannot be {value!r} (expects {kind})")
    return Decimal(value) if kind in ("decimal", "money") else value


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(kind: str, item: str | None, value: Any) -> Any:
    if kind == "list":
        return [_decode(item or "text", None, v) for v in value]
    if kind in ("decimal", "money"):
        return Decimal(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    return value


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def dump_case(case: Case[Any]) -> str:
    """Return the case as a JSON document."""
    wf = case.workflow
    doc = {
        "format": FORMAT, "process": wf.name, "version": wf.version,
        "requester": case.requester, "started": _time(case.started), "due": _time(case.due),
        "reminders": [_time(t) for t in case.reminders], "breached": case.breached,
        "outcome": case.outcome, "last_success": case.last_success, "next_id": case.next_id,
        "data": {f.name: _encode(getattr(case.data, f.attr)) for f in wf.fields.values()},
        "items": [_dump_item(i) for i in case.items.values()],
        "frames": [[f.id, f.parent, f.split, f.join, f.live, f.arrived, f.fired]
                   for f in case.frames.values()] or [[0, -1, "", None, 1, 0, False]],
        "groups": [[g.id, g.task, g.frame, g.waiting, g.total, g.done]
                   for g in case.groups.values()],
        "passes": dict(case.passes), "doers": doers(case),
        "history": [_dump_record(r) for r in case._log],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


_UNDECIDED = frozenset({"escalate", "goto"})  # what tick records without deciding the step


def doers(case: Case[Any]) -> dict[str, list[str]]:
    """Return step -> who acted on it, in order: the case keeps that table only for the
    steps some exclusion names (and it wins); the history has the others."""
    out = history_doers(case.history)
    for step, actors in case.doers.items():
        out[step] = list(actors)
    return out


def history_doers(history: Iterable[AuditRecord]) -> dict[str, list[str]]:
    """Return step -> the distinct actors of its records, in order: every record of an
    action on a step decides or votes on it, but the clock's escalations and gotos."""
    out: dict[str, list[str]] = {}
    for record in history:
        step, actor = record.step, record.actor
        if step is None or (actor == SYSTEM.id and record.action in _UNDECIDED):
            continue
        done = out.get(step)
        if done is None:
            out[step] = [actor]
        elif actor not in done:
            done.append(actor)
    return out


def _dump_item(i: WorkItem) -> dict[str, Any]:
    return {"id": i.id, "task": i.task, "frame": i.frame, "started": _time(i.started),
            "due": _time(i.due), "reminders": [_time(t) for t in i.reminders],
            "breached": i.breached, "escalated": i.escalated, "stages": i.stages,
            "needs": i.needs, "stage": i.stage, "votes": i.votes, "group": i.group,
            "element": i.element}


def _dump_record(r: RawRecord) -> list[Any]:
    seq, actor, roles, step, action, at, before, after = r
    return [seq, actor, list(roles), step, action, _time(at), list(before), list(after)]


def load_case(wf: Workflow[Any], text: str) -> Case[Any]:
    """Return the case a snapshot describes; raise SnapshotError when it does not fit."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotError(f"not a case snapshot: {error}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SnapshotError("not a procdsl case snapshot")
    if doc.get("process") != wf.name or doc.get("version") != wf.version:
        raise SnapshotError(f"snapshot of {doc.get('process')} version {doc.get('version')}, "
                            f"not {wf.name} version {wf.version}")
    try:
        return _build(wf, doc)
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise SnapshotError(f"malformed case snapshot: {error!r}") from None


def _build(wf: Workflow[Any], doc: dict[str, Any]) -> Case[Any]:
    from .case import Case

    data = wf.data_type()
    for name, value in doc["data"].items():
        spec_field = wf.fields[name]
        setattr(data, spec_field.attr, _decode(spec_field.kind, spec_field.item, value))
    started = _parse_time(doc["started"])
    if started is None:
        raise ValueError("no start time")
    case = Case(wf, doc["requester"], data, started)
    case.due = _parse_time(doc["due"])
    case.reminders = [t for t in map(_parse_time, doc["reminders"]) if t] or ()
    case.breached, case.outcome = doc["breached"], doc["outcome"]
    case.last_success, case.next_id = doc["last_success"], doc["next_id"]
    case.items = {i["id"]: _load_item(wf, i) for i in doc["items"]}
    case.frames = {f[0]: Frame(*f) for f in doc["frames"]}
    case.groups = {g[0]: Group(*g) for g in doc["groups"]}
    case.passes = dict(doc["passes"])
    case.doers = {step: actors for step, actors in dict(doc["doers"]).items()
                  if step in wf.watched} or case.doers
    case._log = [(r[0], r[1], tuple(r[2]), r[3], r[4], _need_time(r[5]), tuple(r[6]),
                  tuple(r[7])) for r in doc["history"]]
    return case


def _need_time(value: str) -> dt.datetime:
    when = _parse_time(value)
    if when is None:
        raise ValueError("missing time")
    return when


def _load_item(wf: Workflow[Any], i: dict[str, Any]) -> WorkItem:
    if i["task"] not in wf.tasks:
        raise ValueError(f"unknown step {i['task']!r}")
    stages, needs = i["stages"], i["needs"]
    fixed = wf.plans.get(i["task"])
    if (fixed is not None and i["stage"] == 0 and not i["votes"]
            and fixed == (tuple(map(tuple, stages)), tuple(needs))):
        stages, needs = fixed  # share the workflow's plan, as a fresh item would
    elif not stages and not needs:
        stages = needs = ()  # a step's: the shared empty tuple, as a fresh item holds
    return WorkItem(i["id"], i["task"], i["frame"], _need_time(i["started"]),
                    _parse_time(i["due"]), [_need_time(t) for t in i["reminders"]] or (),
                    i["breached"], i["escalated"], stages, needs, i["stage"],
                    i["votes"] or (), i["group"], i["element"])
