"""Process-level actions: withdraw (撤回), cancel (取消) and milestone actions."""

from __future__ import annotations

from typing import Any

from .errors import Refused
from .records import Actor, Allowed
from .state import CaseState
from .tables import Approvers, Go


def withdraw_target(case: CaseState[Any], actor: Actor) -> Go:
    """Return where withdrawing goes, or refuse (requester only, listed steps active)."""
    rule = case.workflow.definition.withdraw
    if rule is None:
        raise Refused("this process cannot be withdrawn")
    if actor.id != case.requester:
        raise Refused(f"only the requester ({case.requester}) may withdraw, not {actor.id}")
    if not _any_active(case, rule.steps):
        raise Refused(f"withdraw is allowed only while {' or '.join(rule.steps)} is active")
    return rule.target


def cancel_target(case: CaseState[Any], actor: Actor) -> Go:
    """Return where cancelling goes for actor's roles, or refuse."""
    rules = case.workflow.definition.cancels
    for rule in rules:
        if not actor.roles.isdisjoint(rule.roles):
            return rule.target
    if not rules:
        raise Refused("this process cannot be cancelled")
    roles = " or ".join(r for rule in rules for r in rule.roles)
    raise Refused(f"cancelling needs the role {roles}; {actor.id} holds none")


def check_milestone(case: CaseState[Any], name: str, actor: Actor) -> None:
    """Refuse unless actor may take the milestone action now."""
    found = next((m for m in case.workflow.definition.milestones if m.name == name), None)
    if found is None:
        raise Refused(f"this process has no action {name!r}")
    if not _any_active(case, found.steps):
        raise Refused(f"{name} is allowed only while {' or '.join(found.steps)} is active")
    reason = _who_reason(case, found.assignee, actor)
    if reason is not None:
        raise Refused(f"{name}: {reason}")


def _who_reason(case: CaseState[Any], who: Approvers, actor: Actor) -> str | None:
    if who.mode == "requester":
        return None if actor.id == case.requester else f"only the requester may act, not {actor.id}"
    if not who.roles or not actor.roles.isdisjoint(who.roles):
        return None
    return f"needs the role {' or '.join(who.roles)}; {actor.id} holds none"


def _any_active(case: CaseState[Any], steps: tuple[str, ...]) -> bool:
    return any(item.task in steps for item in case.items.values())


def process_actions(case: CaseState[Any], actor: Actor) -> list[Allowed]:
    """Return the process-level actions actor may take now."""
    out: list[Allowed] = []
    definition = case.workflow.definition
    rule = definition.withdraw
    if rule is not None and actor.id == case.requester and _any_active(case, rule.steps):
        out.append(Allowed(None, "withdraw", None))
    if any(not actor.roles.isdisjoint(c.roles) for c in definition.cancels):
        out.append(Allowed(None, "cancel", None))
    for found in definition.milestones:
        if _any_active(case, found.steps) and _who_reason(case, found.assignee, actor) is None:
            out.append(Allowed(None, found.name, None))
    return out
