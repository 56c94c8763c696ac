"""Process-level actions: withdraw (撤回), cancel (取消) and milestone actions."""

from __future__ import annotations

from typing import Any

from .messages import alternatives, refused, text
from .records import Actor, Allowed
from .state import CaseState
from .tables import Approvers, Go


def withdraw_target(case: CaseState[Any], actor: Actor) -> Go:
    """Return where withdrawing goes, or refuse (requester only, listed steps active)."""
    rule, lang = case.workflow.definition.withdraw, case.workflow.lang
    if rule is None:
        raise refused(lang, "no_withdraw")
    if actor.id != case.requester:
        raise refused(lang, "withdraw_requester", requester=case.requester, who=actor.id)
    if not _any_active(case, rule.steps):
        raise refused(lang, "withdraw_when", steps=alternatives(lang, rule.steps))
    return rule.target


def cancel_target(case: CaseState[Any], actor: Actor) -> Go:
    """Return where cancelling goes for actor's roles, or refuse."""
    rules, lang = case.workflow.definition.cancels, case.workflow.lang
    for rule in rules:
        if not actor.roles.isdisjoint(rule.roles):
            return rule.target
    if not rules:
        raise refused(lang, "no_cancel")
    roles = alternatives(lang, (r for rule in rules for r in rule.roles))
    raise refused(lang, "cancel_role", roles=roles, who=actor.id)


def check_milestone(case: CaseState[Any], name: str, actor: Actor) -> None:
    """Refuse unless actor may take the milestone action now."""
    found = next((m for m in case.workflow.definition.milestones if m.name == name), None)
    lang = case.workflow.lang
    if found is None:
        raise refused(lang, "no_milestone", name=name)
    if not _any_active(case, found.steps):
        raise refused(lang, "milestone_when", name=name, steps=alternatives(lang, found.steps))
    reason = _who_reason(case, found.assignee, actor)
    if reason is not None:
        raise refused(lang, "milestone_who", name=name, reason=reason)


def _who_reason(case: CaseState[Any], who: Approvers, actor: Actor) -> str | None:
    lang = case.workflow.lang
    if who.mode == "requester":
        return (None if actor.id == case.requester
                else text(lang, "milestone_requester", who=actor.id))
    if not who.roles or not actor.roles.isdisjoint(who.roles):
        return None
    return text(lang, "milestone_role", roles=alternatives(lang, who.roles), who=actor.id)


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
