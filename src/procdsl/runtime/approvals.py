"""Who may act on a work item, and how an approval's decisions add up.

An approval's approvers are planned when it activates as stages, done in order; a stage
lists roles and how many decisions it needs: ``n`` distinct actors holding any of its
roles, or ``EACH_ROLE`` for one actor per listed role (会签).  Approve votes move through
the stages (``record_vote``; the approve that completes the last stage decides, see
``moves.finish``); the first reject, return or custom outcome decides at once.  A work item
handed to a role by an escalation is decided by one holder of that role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .compiled import EACH_ROLE, MARKERS, NOBODY, REQUESTER, TaskPlan, base_stages
from .records import Actor, WorkItem
from .state import CaseState


def plan_stages(case: CaseState[Any], plan: TaskPlan) -> tuple[Any, Any]:
    """Return the approval's stages (roles) and what each needs, for the case data now
    (the plan's shared tuples when they never depend on the data)."""
    if plan.stages is not None:
        return plan.stages, plan.needs
    task = plan.task
    who = task.assignee
    chain = rule_roles(case, who.rule or "") if who is not None and who.mode == "rule" else ()
    stages, needs = base_stages(who, chain)
    for extra in task.extras:
        if _holds(extra.guard, case.data):
            for role in extra.roles:
                stages.append([role])
                needs.append(1)
    return stages, needs


def rule_roles(case: CaseState[Any], name: str) -> tuple[str, ...]:
    """Return the approver chain the rule chooses on the case data (empty: no row)."""
    rule = case.workflow.rules.get(name)
    if rule is None:
        return ()
    for guard, roles in rule.rows:
        if guard is None or _holds(guard, case.data):
            return roles
    return ()


def _holds(guard: Any, data: Any) -> bool:
    """Return the guard's value; a condition that cannot be evaluated does not hold.

    These guards run while a task becomes active, after the action was accepted, so
    they must not raise.
    """
    try:
        return bool(guard(data))
    except (ArithmeticError, TypeError):
        return False


def barred(case: CaseState[Any], plan: TaskPlan, item: WorkItem, actor: Actor) -> str | None:
    """Return why actor may not act on item (a work item of plan's task) now, or None
    when they may."""
    who = actor.id
    if item.escalated is not None:
        roles: Sequence[str] = (item.escalated,)
    elif plan.approval:
        roles = item.stages[item.stage]
        if item.votes or (roles and roles[0] in MARKERS):
            reason, roles = _stage_rules(case, plan, item, actor)
            if reason is not None:
                return reason
    elif plan.by_rule is not None:
        roles = rule_roles(case, plan.by_rule)
    else:
        roles = plan.roles
        if plan.by_requester and who != case.requester:
            return _requester_reason(case, plan.name, actor)
    if roles and actor.roles.isdisjoint(roles):
        held = ", ".join(sorted(actor.roles)) or "no role"
        return f"{plan.name} needs the role {' or '.join(roles)}; {who} holds {held}"
    if plan.duties:
        if plan.not_requester and who == case.requester:
            return f"{who} started this case and may not act on {plan.name} (not by requester)"
        for step in plan.not_after:
            if who in case.doers.get(step, ()):
                return f"{who} did {step} and may not act on {plan.name} (separation of duties)"
    return None


def _stage_rules(case: CaseState[Any], plan: TaskPlan, item: WorkItem,
                 actor: Actor) -> tuple[str | None, Sequence[str]]:
    """Return why actor may not decide at the item's stage (None: they may) and the roles
    that may: for a stage with votes cast or a marker (no approver, the requester)."""
    stage = item.stage
    roles = item.stages[stage]
    votes = item.votes
    if roles and roles[0] == NOBODY:
        return f"the rule for {plan.name} chose no approver for this case", ()
    for done in votes:
        if done[0] == actor.id:
            return f"{actor.id} has already decided on {plan.name} at this stage", ()
    if roles and roles[0] == REQUESTER:
        if actor.id != case.requester:
            return _requester_reason(case, plan.name, actor), ()
        return None, ()
    if votes and item.needs[stage] == EACH_ROLE:
        return None, pending_roles(item)
    return None, roles


def _requester_reason(case: CaseState[Any], task: str, actor: Actor) -> str:
    return f"{task} is done by the requester ({case.requester}), not {actor.id}"


def pending_roles(item: WorkItem) -> Sequence[str]:
    """Return the roles that may still decide at the item's current stage."""
    roles = item.stages[item.stage]
    if item.needs[item.stage] != EACH_ROLE:
        return roles
    voted = {vote_[1] for vote_ in item.votes}
    return [r for r in roles if r not in voted]


def record_vote(item: WorkItem, actor: Actor) -> None:
    """Record a pending approve vote (with the role it counts for); move to the next
    stage when this one is complete."""
    role = next((r for r in pending_roles(item) if r in actor.roles), "")
    item.votes = [*item.votes, [actor.id, role]]  # may be the shared empty tuple
    item.votes_left -= 1
    need = item.needs[item.stage]
    full = len(item.votes) >= (len(item.stages[item.stage]) if need == EACH_ROLE else need)
    if full:
        item.stage += 1
        item.votes = []
