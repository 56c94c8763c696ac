"""Who may act on a work item, and how an approval's decisions add up.

An approval's approvers are planned when it activates as stages, done in order; a stage
lists roles and how many decisions it needs: ``n`` distinct actors holding any of its
roles, or ``0`` for one actor per listed role (会签).  Approve votes move through the
stages; the first reject, return or custom outcome decides at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import Refused
from .records import Actor, WorkItem
from .tables import APPROVAL, APPROVE, Approvers, TaskDef

if TYPE_CHECKING:
    from .case import Case

REQUESTER, NOBODY = "@requester", "@nobody"  # role markers no spec name can spell
EACH_ROLE = 0


Stages = tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]


def static_stages(task: TaskDef) -> Stages | None:
    """Return the stages of an approval that never depend on the case data (None: they do)."""
    if task.extras or (task.assignee is not None and task.assignee.mode == "rule"):
        return None
    stages, needs = _base_stages(None, task.assignee)  # type: ignore[arg-type]
    return tuple(tuple(s) for s in stages), tuple(needs)


def plan_stages(case: Case[Any], task: TaskDef) -> tuple[Any, Any]:
    """Return the approval's stages (roles) and what each needs, for the case data now
    (the workflow's shared tuples when they never depend on the data)."""
    fixed = case.workflow.plans.get(task.name)
    if fixed is not None:
        return fixed
    stages, needs = _base_stages(case, task.assignee)
    for extra in task.extras:
        if _holds(extra.guard, case.data):
            for role in extra.roles:
                stages.append([role])
                needs.append(1)
    return stages, needs


def _base_stages(case: Case[Any], who: Approvers | None) -> tuple[list[list[str]], list[int]]:
    if who is None:
        return [[]], [1]
    mode = who.mode
    if mode == "all":
        return [list(who.roles)], [EACH_ROLE]
    if mode == "sequence":
        return [[r] for r in who.roles], [1] * len(who.roles)
    if mode == "count":
        return [list(who.roles)], [who.count or 1]
    if mode == "requester":
        return [[REQUESTER]], [1]
    if mode == "rule":
        chain = rule_roles(case, who.rule or "")
        if not chain:
            return [[NOBODY]], [1]
        return [[r] for r in chain], [1] * len(chain)
    return [list(who.roles)], [1]


def rule_roles(case: Case[Any], name: str) -> tuple[str, ...]:
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


def barred(case: Case[Any], item: WorkItem, actor: Actor) -> str | None:
    """Return why actor may not act on item now, or None when they may."""
    task = case.workflow.tasks[item.task]
    if item.escalated is not None:
        reason = _role_reason(task, (item.escalated,), actor)
    elif task.kind == APPROVAL:
        reason = _stage_reason(case, task, item, actor)
    else:
        reason = _step_reason(case, task, actor)
    if reason is not None:
        return reason
    for rule in task.exclusions:
        if rule.step is None and actor.id == case.requester:
            return f"{actor.id} started this case and may not act on {task.name} (not by requester)"
        if rule.step is not None and actor.id in case.doers.get(rule.step, ()):
            return (f"{actor.id} did {rule.step} and may not act on {task.name}"
                    " (separation of duties)")
    return None


def _role_reason(task: TaskDef, roles: Sequence[str], actor: Actor) -> str | None:
    if not roles or not actor.roles.isdisjoint(roles):
        return None
    held = ", ".join(sorted(actor.roles)) or "no role"
    return f"{task.name} needs the role {' or '.join(roles)}; {actor.id} holds {held}"


def _requester_reason(case: Case[Any], task: TaskDef, actor: Actor) -> str | None:
    if actor.id == case.requester:
        return None
    return f"{task.name} is done by the requester ({case.requester}), not {actor.id}"


def _step_reason(case: Case[Any], task: TaskDef, actor: Actor) -> str | None:
    who = task.assignee
    if who is None:
        return None
    if who.mode == "requester":
        return _requester_reason(case, task, actor)
    if who.mode == "rule":
        return _role_reason(task, rule_roles(case, who.rule or ""), actor)
    return _role_reason(task, who.roles, actor)


def _stage_reason(case: Case[Any], task: TaskDef, item: WorkItem, actor: Actor) -> str | None:
    roles = item.stages[item.stage]
    if NOBODY in roles:
        return f"the rule for {task.name} chose no approver for this case"
    if any(vote[0] == actor.id for vote in item.votes):
        return f"{actor.id} has already decided on {task.name} at this stage"
    if REQUESTER in roles:
        return _requester_reason(case, task, actor)
    return _role_reason(task, pending_roles(item), actor)


def pending_roles(item: WorkItem) -> Sequence[str]:
    """Return the roles that may still decide at the item's current stage."""
    roles = item.stages[item.stage]
    if item.needs[item.stage] != EACH_ROLE:
        return roles
    voted = {vote[1] for vote in item.votes}
    return [r for r in roles if r not in voted]


def vote(case: Case[Any], item: WorkItem, actor: Actor, action: str) -> tuple[str | None, str]:
    """Return (the decided action, or None while approvals are pending; the role used)."""
    task = case.workflow.tasks[item.task]
    if task.kind != APPROVAL or action != APPROVE or item.escalated is not None:
        return action, ""
    role = next((r for r in pending_roles(item) if r in actor.roles), "")
    need = item.needs[item.stage]
    count = len(item.votes) + 1
    full = count >= len(item.stages[item.stage]) if need == EACH_ROLE else count >= need
    if full and item.stage == len(item.stages) - 1:
        return APPROVE, role
    return None, role


def record_vote(item: WorkItem, actor: Actor, role: str) -> None:
    """Record a pending approve vote; move to the next stage when this one is complete."""
    item.votes = [*item.votes, [actor.id, role]]  # may be the shared empty tuple
    need = item.needs[item.stage]
    full = len(item.votes) >= (len(item.stages[item.stage]) if need == EACH_ROLE else need)
    if full:
        item.stage += 1
        item.votes = []


def refuse_unknown(kind: str, name: str) -> Refused:
    """Return the error for a process-level action nobody declared."""
    return Refused(f"this process has no {kind} {name!r}")
