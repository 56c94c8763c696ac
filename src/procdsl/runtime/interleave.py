"""Interleaved routing (``then in any order A, B``, WCP-17): offered together, done one
at a time.

Every task of the block is offered at once (each has its work item).  A task *starts*
with the first accepted action that leaves it open (an approve vote of an approval that
needs more, one item of a for-each done while others remain): from then until it
finishes, the block's other tasks are refused (``allowed_actions`` leaves them out, and
their reminders and breaches wait).  A task done by one action starts and finishes in
it, so it never holds the block.  The frame of the block keeps the task that holds it
(``Frame.holder``, kept in snapshots); the hold ends when that task has no work item left
in the block.
"""

from __future__ import annotations

from typing import Any

from .records import Frame, WorkItem
from .state import CaseState


def _blocks(case: CaseState[Any], frame_id: int) -> list[Frame]:
    """Return the interleaved frames frame_id is in (itself or an enclosing one)."""
    out = []
    frames = case.frames
    while frame_id:
        frame = frames.get(frame_id)
        if frame is None:
            break
        if frame.interleaved:
            out.append(frame)
        frame_id = frame.parent
    return out


def _inside(case: CaseState[Any], frame_id: int, block: int) -> bool:
    frames = case.frames
    while frame_id:
        if frame_id == block:
            return True
        frame = frames.get(frame_id)
        frame_id = frame.parent if frame is not None else 0
    return False


def _open(case: CaseState[Any], block: Frame, task: str) -> bool:
    """Return True when task still has a work item in the block."""
    return any(i.task == task and _inside(case, i.frame, block.id) for i in case.items.values())


def busy(case: CaseState[Any], item: WorkItem) -> str | None:
    """Return the task whose turn it is when it is not item's (None: item may be acted on)."""
    if not item.frame or not case.frames:
        return None
    for block in _blocks(case, item.frame):
        holder = block.holder
        if holder and holder != item.task and _open(case, block, holder):
            return holder
    return None


def hold(case: CaseState[Any], item: WorkItem) -> None:
    """After an accepted action on item: its task holds its blocks while it is open."""
    if not item.frame or not case.frames:
        return
    for block in _blocks(case, item.frame):
        if block.id in case.frames:
            block.holder = item.task if _open(case, block, item.task) else ""
