"""Cases as plain JSON and back, losslessly, refusing snapshots of another version.

A snapshot is compact JSON (no indentation: ``json`` then uses its C encoder) with keys
in a fixed order, so the same case always gives the same text; times are written in
UTC.  Whitespace in JSON is insignificant, so indented snapshots load as well.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from decimal import InvalidOperation
from typing import Any, TypeVar

from .compiled import CompiledProcess, votes_left
from .errors import SnapshotError
from .fields import decode, encode
from .records import SYSTEM, Frame, Group, RawRecord, WorkItem
from .state import CaseState

FORMAT = "procdsl.case/1"
UTC = dt.UTC
S = TypeVar("S", bound=CaseState[Any])


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat()


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def dump_case(case: CaseState[Any]) -> str:
    """Return the case as a JSON document."""
    wf = case.workflow
    doc = {
        "format": FORMAT, "process": wf.name, "version": wf.version,
        "requester": case.requester, "started": _time(case.started), "due": _time(case.due),
        "reminders": [_time(t) for t in case.reminders], "breached": case.breached,
        "outcome": case.outcome, "last_success": case.last_success, "next_id": case.next_id,
        "data": {f.name: encode(getattr(case.data, f.attr)) for f in wf.fields.values()},
        "items": [_dump_item(i) for i in case.items.values()],
        "frames": [[f.id, f.parent, f.split, f.join, f.live, f.arrived, f.fired,
                    *((f.interleaved, f.holder) if f.interleaved else ())]
                   for f in case.frames.values()] or [[0, -1, "", None, 1, 0, False]],
        "groups": [[g.id, g.task, g.frame, g.waiting, g.total, g.done]
                   for g in case.groups.values()],
        "passes": dict(case.passes), "doers": doers(case),
        "history": [[seq, actor, sorted(roles), step, action,  # the time as _time writes it
                     (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(), before, after,
                     *((detail,) if detail else ())]
                    for seq, (actor, roles, step, action, at, before, after, detail)
                    in enumerate(case.log, 1)],
    }
    if case.picks:  # only cases with picks carry the key: other snapshots stay as they were
        doc["picks"] = {step: list(people) for step, people in case.picks.items()}
    if case.returned:  # likewise: where a resubmission goes straight back to
        doc["returned"] = {step: list(found) for step, found in case.returned.items()}
    return _ENCODER.encode(doc)


# The document is made fresh of plain lists and dicts, so it cannot hold a cycle.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


# What the clock records without deciding the step (tick; an approval's own settling).
_UNDECIDED = frozenset({"escalate", "goto", "dedupe", "empty_transfer", "to_returner"})


def doers(case: CaseState[Any]) -> dict[str, list[str]]:
    """Return step -> who acted on it, in order: the case keeps that table only for the
    steps some exclusion names (and it wins); the history has the others."""
    out = history_doers(case.log)
    for step, actors in case.doers.items():
        out[step] = list(actors)
    return out


def history_doers(log: Iterable[RawRecord]) -> dict[str, list[str]]:
    """Return step -> the distinct actors of its records, in order: every record of an
    action on a step decides or votes on it, but the clock's escalations and gotos."""
    out: dict[str, list[str]] = {}
    clock = SYSTEM.id
    for actor, _, step, action, _, _, _, _ in log:
        if step is None or (actor == clock and action in _UNDECIDED):
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


Factory = Callable[[CompiledProcess[Any], str, Any, dt.datetime], S]


def load_case(wf: CompiledProcess[Any], text: str, make: Factory[S]) -> S:
    """Return the case a snapshot describes, made by ``make(workflow, requester, data,
    started)`` and filled in; raise SnapshotError when the snapshot does not fit."""
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
        return _build(wf, doc, make)
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation) as error:
        raise SnapshotError(f"malformed case snapshot: {error!r}") from None


def _build(wf: CompiledProcess[Any], doc: dict[str, Any], make: Factory[S]) -> S:
    data = wf.data_type()
    for name, value in doc["data"].items():
        spec_field = wf.fields[name]
        setattr(data, spec_field.attr, decode(spec_field.kind, spec_field.item, value))
    case = make(wf, doc["requester"], data, _need_time(doc["started"]))
    case.due = _parse_time(doc["due"])
    case.reminders = [_need_time(t) for t in doc["reminders"]] or ()
    case.breached, case.outcome = doc["breached"], doc["outcome"]
    case.last_success, case.next_id = doc["last_success"], doc["next_id"]
    case.items = {i["id"]: _load_item(wf, i) for i in doc["items"]}
    case.marking = tuple([i.task for i in case.items.values()])
    case.frames = {f[0]: Frame(*f) for f in doc["frames"]}
    if doc["groups"]:
        case.groups = {g[0]: Group(*g) for g in doc["groups"]}
    if doc["passes"]:
        case.passes = dict(doc["passes"])
    kept = {step: tuple(actors) for step, actors in dict(doc["doers"]).items()
            if step in wf.watched}
    if kept:
        case.doers = kept
    at = dt.datetime.fromisoformat  # a missing time is a TypeError: malformed
    case.log = [(r[1], tuple(r[2]), r[3], r[4], at(r[5]), tuple(r[6]), tuple(r[7]),
                 str(r[8]) if len(r) > 8 else "")
                for r in doc["history"]]
    returned = doc.get("returned")
    if returned:
        case.returned = {str(step): [str(f[0]), int(f[1]), [list(map(str, s)) for s in f[2]],
                                     [int(n) for n in f[3]], str(f[4])]
                         for step, f in returned.items()}
    picks = doc.get("picks")
    if picks:
        case.picks = {str(step): tuple(map(str, people)) for step, people in picks.items()}
    return case


def _need_time(value: str) -> dt.datetime:
    when = _parse_time(value)
    if when is None:
        raise ValueError("missing time")
    return when


def _load_item(wf: CompiledProcess[Any], i: dict[str, Any]) -> WorkItem:
    plan = wf.plans.get(i["task"])
    if plan is None:
        raise ValueError(f"unknown step {i['task']!r}")
    stages, needs = i["stages"], i["needs"]
    if (plan.stages is not None and i["stage"] == 0 and not i["votes"]
            and plan.stages == tuple(map(tuple, stages)) and plan.needs == tuple(needs)):
        stages, needs = plan.stages, plan.needs  # the plan's shared tuples, as a fresh item's
    left = votes_left(stages, needs, i["stage"], i["votes"]) if plan.approval else 1
    return WorkItem(i["id"], i["task"], i["frame"], _need_time(i["started"]),
                    _parse_time(i["due"]), [_need_time(t) for t in i["reminders"]] or (),
                    stages, needs, i["group"], i["element"], left, breached=i["breached"],
                    escalated=i["escalated"], stage=i["stage"], votes=i["votes"] or ())
