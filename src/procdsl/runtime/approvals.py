"""Who may act on a work item, and how an approval's decisions add up.

An approval's approvers are planned when it activates as stages, done in order; a stage
lists roles and how many decisions it needs: ``n`` distinct actors holding any of its
roles, or ``EACH_ROLE`` for one actor per listed role (会签).  Approve votes move through
the stages (``record_vote``; the approve that completes the last stage decides, see
``moves.finish``); the first reject, return or custom outcome decides at once.  A work item
handed to a role by an escalation is decided by one holder of that role.

Org-relative approvers are people the case's ``Directory`` finds when the item starts
(stage entries ``@user:ID``): the requester's manager at a level, each manager up to a
role or a number of levels, the head of the requester's department, the person a field
names, or the people the requester picked.  When nobody is found the approval does what
its ``when no approver`` line says; ``dedupe`` skips people who approved earlier in the
case.  At run time approvers may transfer an item, add a signer before, after or with
themselves, act for an absent colleague (delegate) and the requester may urge, each only
where the spec allows it; every such act is an audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .compiled import (
    AUTO_APPROVE,
    AUTO_REJECT,
    EACH_ROLE,
    NOBODY,
    PICK,
    REQUESTER,
    TaskPlan,
    base_stages,
)
from .directory import USER, chain, department_head, manager_at
from .errors import Refused
from .messages import alternatives, permission_word, refused
from .messages import text as _word
from .records import Actor, Event, WorkItem
from .state import CaseState

URGE_INTERVAL = dt.timedelta(hours=1)  # the requester may urge an item once an hour


def plan_stages(case: CaseState[Any], plan: TaskPlan) -> tuple[Any, Any]:
    """Return the approval's stages (roles) and what each needs, for the case data now
    (the plan's shared tuples when they never depend on the data)."""
    if plan.stages is not None:
        return plan.stages, plan.needs
    task = plan.task
    who = task.assignee
    if plan.people and who is not None:
        stages, needs = _people_stages(case, plan, who)
    else:
        roles = rule_roles(case, who.rule or "") if who is not None and who.mode == "rule" else ()
        stages, needs = base_stages(who, roles)
    for extra in task.extras:
        if _holds(extra.guard, case.data):
            for role in extra.roles:
                stages.append([role])
                needs.append(1)
    return stages, needs


def _people_stages(case: CaseState[Any], plan: TaskPlan,
                   who: Any) -> tuple[list[list[str]], list[int]]:
    """Return the stages of org-relative approvers: one person each, in order; without
    anyone (after de-duplication), what ``when no approver`` says."""
    people = find_people(case, plan, who)
    if people is None:  # the requester has yet to pick
        return [[PICK + (who.roles[0] if who.roles else "")]], [1]
    found = bool(people)
    if plan.dedupe and people:
        approved = approvers_so_far(case)
        for person in [p for p in people if p in approved]:
            case.note(plan.name, "dedupe", person)
        people = [p for p in people if p not in approved]
    if people:
        return [[USER + p] for p in people], [1] * len(people)
    if found:  # everyone found has approved already: the approval passes
        case.unsettled = True
        return [[AUTO_APPROVE]], [1]
    empty = plan.on_empty
    if empty is None:
        return [[NOBODY]], [1]
    if empty.kind == "transfer" and empty.role:
        case.note(plan.name, "empty_transfer", empty.role)
        return [[empty.role]], [1]
    case.unsettled = True
    return [[AUTO_APPROVE if empty.kind == "auto_approve" else AUTO_REJECT]], [1]


def find_people(case: CaseState[Any], plan: TaskPlan, who: Any) -> list[str] | None:
    """Return the people an org-relative assignee names for this case, in order (None:
    a pick not yet made); without a directory nobody is found."""
    if who.mode == "pick":
        return list(case.picks[plan.name]) if plan.name in case.picks else None
    if who.mode == "field":
        spec_field = case.workflow.fields.get(who.field or "")
        value = getattr(case.data, spec_field.attr, "") if spec_field is not None else ""
        return [value] if isinstance(value, str) and value else []
    directory = case.directory
    if directory is None:
        return []
    requester = case.requester
    if who.mode == "manager":
        found = manager_at(directory, requester, who.level or 1)
        return [found] if found else []
    if who.mode == "department_head":
        head = department_head(directory, requester)
        return [head] if head else []
    return chain(directory, requester, role=who.roles[0] if who.roles else None,
                 levels=who.level)


def approvers_so_far(case: CaseState[Any]) -> set[str]:
    """Return everyone who approved something earlier in the case (not the clock)."""
    found = {raw[0] for raw in case.log if raw[3] == "approve" and not raw[0].startswith("@")}
    if case.approving:
        found.add(case.approving)
    return found


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


def barred(case: CaseState[Any], plan: TaskPlan, item: WorkItem,
           actor: Actor) -> Refused | None:
    """Return why actor may not act on item (a work item of plan's task) now, as the
    ``Refused`` to raise, or None when they may."""
    who = actor.id
    if item.escalated is not None:
        roles: Sequence[str] = (item.escalated,)
    elif plan.approval:
        roles = item.stages[item.stage]
        if item.votes or (roles and roles[0][0] == "@") or plan.people:
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
        lang = case.workflow.lang
        held = ", ".join(sorted(actor.roles)) or _word(lang, "no_role")
        return refused(lang, "needs_role", step=plan.name, roles=alternatives(lang, roles),
                       who=who, held=held)
    if plan.duties:
        if plan.not_requester and who == case.requester:
            return refused(case.workflow.lang, "not_requester", who=who, step=plan.name)
        for step in plan.not_after:
            if who in case.doers.get(step, ()):
                return refused(case.workflow.lang, "not_after", who=who, done=step,
                               step=plan.name)
    return None


def _stage_rules(case: CaseState[Any], plan: TaskPlan, item: WorkItem,
                 actor: Actor) -> tuple[Refused | None, Sequence[str]]:
    """Return why actor may not decide at the item's stage (None: they may) and the roles
    that may: for a stage with votes cast or a marker (no approver, the requester)."""
    stage = item.stage
    roles = item.stages[stage]
    votes = item.votes
    lang = case.workflow.lang
    if roles and roles[0] == NOBODY:
        key = "no_approver_found" if plan.people else "rule_no_approver"
        return refused(lang, key, step=plan.name), ()
    if roles and roles[0].startswith(PICK):
        return refused(lang, "waits_for_pick", step=plan.name, requester=case.requester), ()
    for done in votes:
        if done[0] == actor.id:
            return refused(lang, "decided_already", who=actor.id, step=plan.name), ()
    if roles and roles[0] == REQUESTER:
        if actor.id != case.requester:
            return _requester_reason(case, plan.name, actor), ()
        return None, ()
    pending = pending_roles(item) if votes and item.needs[stage] == EACH_ROLE else roles
    if any(entry[0] == "@" for entry in pending):
        if entry_for(case, plan, pending, actor) is None:
            people = alternatives(lang, [_person(e) for e in pending])
            return refused(lang, "for_people", step=plan.name, people=people,
                           who=actor.id), ()
        return None, ()
    return None, pending


def _person(entry: str) -> str:
    return entry.removeprefix(USER) if entry.startswith(USER) else entry


def entry_for(case: CaseState[Any], plan: TaskPlan, entries: Sequence[str],
              actor: Actor) -> str | None:
    """Return the stage entry actor decides for: a role they hold, themself, a person
    they are the delegate of (where the spec allows delegates), the requester."""
    delegate_of = None
    for entry in entries:
        if entry[0] != "@":
            if entry in actor.roles:
                return entry
        elif entry.startswith(USER):
            person = entry[len(USER):]
            if person == actor.id:
                return entry
            if "delegate" in plan.allows and case.directory is not None:
                delegate_of = delegate_of or entry
        elif entry == REQUESTER and actor.id == case.requester:
            return entry
    if delegate_of is not None and case.directory is not None:
        for entry in entries:
            if entry.startswith(USER) and \
                    case.directory.delegate_of(entry[len(USER):]) == actor.id:
                return entry
    return None


def on_behalf(case: CaseState[Any], plan: TaskPlan, item: WorkItem, actor: Actor) -> str:
    """Return the person actor acts for as their delegate on item ('' when for themself)."""
    if item.escalated is not None or not plan.approval or item.stage >= len(item.stages):
        return ""
    entry = entry_for(case, plan, pending_roles(item), actor)
    if entry is None or not entry.startswith(USER) or entry[len(USER):] == actor.id:
        return ""
    return entry[len(USER):]


def _requester_reason(case: CaseState[Any], task: str, actor: Actor) -> Refused:
    return refused(case.workflow.lang, "only_requester", requester=case.requester,
                   step=task, who=actor.id)


def pending_roles(item: WorkItem) -> Sequence[str]:
    """Return the roles that may still decide at the item's current stage."""
    roles = item.stages[item.stage]
    if item.needs[item.stage] != EACH_ROLE:
        return roles
    voted = {vote_[1] for vote_ in item.votes}
    return [r for r in roles if r not in voted]


def record_vote(case: CaseState[Any], plan: TaskPlan, item: WorkItem, actor: Actor) -> None:
    """Record a pending approve vote (with the role it counts for); move to the next
    stage when this one is complete."""
    role = entry_for(case, plan, pending_roles(item), actor) or ""
    item.votes = [*item.votes, [actor.id, role]]  # may be the shared empty tuple
    item.votes_left -= 1
    need = item.needs[item.stage]
    full = len(item.votes) >= (len(item.stages[item.stage]) if need == EACH_ROLE else need)
    if full:
        item.stage += 1
        item.votes = []


# ------------------------------------------------------------------ run-time changes
# Each checks everything first and changes the item only when it is allowed, so a
# refused call leaves the case as it was; ``Case`` records the accepted ones.


def _allowed(case: CaseState[Any], plan: TaskPlan, permission: str) -> None:
    if permission not in plan.allows:
        lang = case.workflow.lang
        raise refused(lang, "not_allowed", step=plan.name, what=permission_word(lang, permission))


def _may_bring(case: CaseState[Any], plan: TaskPlan, item: WorkItem, person: str,
               permission: str, actor: Actor) -> None:
    """Refuse unless person may be brought into item: not the actor, not someone the
    separation of duties bars, and a holder of one of the roles the spec names (of the
    task's approvers when it names none; anyone for org-relative approvers)."""
    lang = case.workflow.lang
    if not person or person.startswith("@"):
        raise refused(lang, "not_person", person=person)
    if person == actor.id:
        raise refused(lang, "bring_self", who=actor.id, step=plan.name)
    if plan.not_requester and person == case.requester:
        raise refused(lang, "not_requester", who=person, step=plan.name)
    for step in plan.not_after:
        if person in case.doers.get(step, ()):
            raise refused(lang, "not_after", who=person, done=step, step=plan.name)
    roles = plan.allows.get(permission, ())
    who = plan.task.assignee
    if not roles and who is not None and not plan.people and who.mode != "requester":
        roles = who.roles
    if not roles:
        return
    directory = case.directory
    if directory is None:
        raise refused(lang, "no_directory", person=person, roles=alternatives(lang, roles))
    if not any(person in directory.members(role) for role in roles):
        raise refused(lang, "bring_role", person=person, step=plan.name,
                      roles=alternatives(lang, roles))


def _own_entry(case: CaseState[Any], plan: TaskPlan, item: WorkItem, actor: Actor) -> str:
    entry = entry_for(case, plan, pending_roles(item), actor)
    if entry is None or item.escalated is not None:
        raise refused(case.workflow.lang, "not_approver", who=actor.id, step=plan.name)
    return entry


def _writable(item: WorkItem) -> tuple[list[list[str]], list[int]]:
    return [list(s) for s in item.stages], list(item.needs)


def transfer(case: CaseState[Any], plan: TaskPlan, item: WorkItem, person: str,
             actor: Actor) -> None:
    """Hand actor's share of item to person (转交)."""
    _allowed(case, plan, "transfer")
    entry = _own_entry(case, plan, item, actor)
    _may_bring(case, plan, item, person, "transfer", actor)
    need = item.needs[item.stage]
    if need not in (1, EACH_ROLE):
        raise refused(case.workflow.lang, "transfer_many", step=plan.name, need=need)
    stages, needs = _writable(item)
    here = stages[item.stage]
    if need == EACH_ROLE:
        here[here.index(entry)] = USER + person
    else:
        stages[item.stage] = [USER + person]
    item.stages, item.needs = stages, needs


ADD_SIGN_WHERE = ("before", "after", "with")


def add_sign(case: CaseState[Any], plan: TaskPlan, item: WorkItem, person: str, where: str,
             actor: Actor) -> None:
    """Bring person in before, after or with actor (加签); recount the votes left."""
    from .compiled import votes_left
    _allowed(case, plan, "add_sign")
    if where not in ADD_SIGN_WHERE:
        raise refused(case.workflow.lang, "add_sign_where", where=where)
    entry = _own_entry(case, plan, item, actor)
    _may_bring(case, plan, item, person, "add_sign", actor)
    stages, needs = _writable(item)
    stage = item.stage
    if where == "before":
        if item.votes:
            raise refused(case.workflow.lang, "add_sign_before", step=plan.name)
        stages.insert(stage, [USER + person])
        needs.insert(stage, 1)
    elif where == "after":
        stages.insert(stage + 1, [USER + person])
        needs.insert(stage + 1, 1)
    else:  # with me: both decide at this stage (会签)
        mine = USER + actor.id if entry[0] == "@" or needs[stage] != EACH_ROLE else entry
        if needs[stage] == EACH_ROLE:
            stages[stage] = [*stages[stage], USER + person]
        else:
            stages[stage] = [mine, USER + person]
            needs[stage] = EACH_ROLE
    item.stages, item.needs = stages, needs
    item.votes_left = votes_left(stages, needs, stage, item.votes)


def urge(case: CaseState[Any], plan: TaskPlan, item: WorkItem, actor: Actor,
         now: dt.datetime) -> Event:
    """Return the reminder the requester's urging (催办) sends, or refuse (once an hour)."""
    _allowed(case, plan, "urge")
    lang = case.workflow.lang
    if actor.id != case.requester:
        raise refused(lang, "urge_requester", requester=case.requester, step=plan.name,
                      who=actor.id)
    for raw in reversed(case.log):
        if raw[2] == plan.name and raw[3] == "urge":
            if now - raw[4] < URGE_INTERVAL:
                raise refused(lang, "urged_recently", step=plan.name)
            break
    roles = tuple(item.stages[item.stage]) if plan.approval and item.stages else plan.roles
    return Event("urged", plan.name, roles, now, actor.id)


def pick(case: CaseState[Any], plan: TaskPlan, people: Sequence[str], actor: Actor) -> None:
    """Keep the approvers the requester picked for an approval (``by requester's choice
    of R``): each must hold R; taken when the approval starts (or now, while it waits)."""
    who = plan.task.assignee
    lang = case.workflow.lang
    if who is None or who.mode != "pick":
        raise refused(lang, "not_pick", step=plan.name)
    if actor.id != case.requester:
        raise refused(lang, "pick_requester", requester=case.requester, step=plan.name,
                      who=actor.id)
    if not people or len(set(people)) != len(people):
        raise refused(lang, "pick_people", step=plan.name)
    role = who.roles[0] if who.roles else ""
    directory = case.directory
    for person in people:
        if person == case.requester and plan.not_requester:
            raise refused(lang, "pick_self", person=person, step=plan.name)
        if role and (directory is None or person not in directory.members(role)):
            raise refused(lang, "pick_role", person=person, step=plan.name, role=role)
    items = [i for i in case.items.values() if i.task == plan.name]
    waiting = [i for i in items if i.stages and i.stages[0] and i.stages[0][0].startswith(PICK)]
    if items and not waiting:
        raise refused(lang, "picked_already", step=plan.name)
    case.picks = {**case.picks, plan.name: tuple(people)}
    from .compiled import votes_left
    for item in waiting:  # the approval waits for the pick: its people take stage one
        stages = [[USER + p] for p in people] + [list(s) for s in item.stages[1:]]
        needs = [1] * len(people) + list(item.needs[1:])
        item.stages, item.needs, item.stage, item.votes = stages, needs, 0, ()
        item.votes_left = votes_left(stages, needs, 0, ())
