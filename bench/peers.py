"""The same 20-step approval chain in the peers: transitions, python-statemachine, a dict.

Every implementation offers ``make()`` (a new case at the first step, amount 5) and
``drive(case)`` (twenty guarded ``approve`` events, ending at ``approved``), so the
runtime section times them all with one loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STEPS = 20
STATES = [f"s{i}" for i in range(1, STEPS + 1)]
NEXT = {s: (STATES[i + 1] if i + 1 < STEPS else "approved") for i, s in enumerate(STATES)}


@dataclass(frozen=True)
class Peer:
    """One implementation of the chain: how to make a case, drive it, and read its state."""

    name: str
    make: Callable[[], Any]
    drive: Callable[[Any], None]
    state: Callable[[Any], str]
    events: int = STEPS  # events that drive() sends to one case


def transitions_peer() -> Peer:
    """Return the chain as a ``transitions.Machine`` per case (the library's usual use)."""
    from transitions import Machine

    spec = [{"trigger": "approve", "source": s, "dest": NEXT[s], "conditions": "ok"}
            for s in STATES]
    spec += [{"trigger": "reject", "source": s, "dest": "rejected"} for s in STATES]
    states = [*STATES, "approved", "rejected"]

    class Model:
        def __init__(self) -> None:
            self.amount = 5

        def ok(self) -> bool:
            return self.amount > 0

    def make() -> Any:
        model = Model()
        Machine(model=model, states=states, transitions=spec, initial="s1",
                auto_transitions=False)
        return model

    def drive(case: Any) -> None:
        for _ in range(STEPS):
            case.approve()

    import transitions

    return Peer(f"transitions {transitions.__version__}", make, drive, lambda c: c.state)


def statemachine_peer() -> Peer:
    """Return the chain as a python-statemachine class (one instance per case)."""
    import statemachine
    from statemachine import State, StateMachine

    states = {s: State(s, initial=(s == "s1")) for s in STATES}
    states["approved"] = State("approved", final=True)
    states["rejected"] = State("rejected", final=True)
    approve = reject = None
    for s in STATES:
        step = states[s].to(states[NEXT[s]], cond="ok")
        back = states[s].to(states["rejected"])
        approve = step if approve is None else approve | step
        reject = back if reject is None else reject | back
    attrs: dict[str, Any] = dict(states, approve=approve, reject=reject, amount=5)
    attrs["ok"] = lambda self: self.amount > 0
    chain = type(StateMachine)("Chain", (StateMachine,), attrs)

    def drive(case: Any) -> None:
        for _ in range(STEPS):
            case.send("approve")

    return Peer(f"python-statemachine {statemachine.__version__}", chain, drive,
                lambda c: c.current_state_value)


class _Case:
    __slots__ = ("state", "amount")

    def __init__(self) -> None:
        self.state = "s1"
        self.amount = 5


def _guard(case: Any) -> bool:
    return case.amount > 0


def _fire(case: _Case, event: str, table: dict[tuple[str, str], str] = {  # noqa: B006
        **{(s, "approve"): NEXT[s] for s in STATES},
        **{(s, "reject"): "rejected" for s in STATES}}) -> None:
    target = table.get((case.state, event))
    if target is not None and (event != "approve" or _guard(case)):
        case.state = target


def dict_peer() -> Peer:
    """Return the pure-Python floor: a dict from (state, event) to state, and a guard call."""

    def drive(case: _Case) -> None:
        for _ in range(STEPS):
            _fire(case, "approve")

    return Peer("hand-written dict + guard", _Case, drive, lambda c: c.state)


ROLE = {s: f"r{i}" for i, s in enumerate(STATES, 1)}


class _AuditedCase:
    __slots__ = ("state", "amount", "requester", "history")

    def __init__(self) -> None:
        self.state = "s1"
        self.amount = 5
        self.requester = "requester"
        self.history: list[tuple[Any, ...]] = []


class Refused(Exception):
    """An action the actor may not take."""


def _act(case: _AuditedCase, step: str, action: str, actor: str, roles: frozenset[str],
         when: Any) -> None:
    if case.state != step:
        raise Refused(f"{step} is not active")
    if ROLE[step] not in roles:
        raise Refused(f"{actor} does not hold {ROLE[step]}")
    if actor == case.requester:
        raise Refused("the requester may not approve")
    target = NEXT[step] if action == "approve" and _guard(case) else "rejected"
    case.history.append((len(case.history) + 1, actor, step, action, when, (step,), (target,)))
    case.state = target


def audited_peer() -> Peer:
    """Return the dict floor plus what procdsl adds: role check, requester bar, audit record."""
    import datetime as dt

    when = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    plan = [(s, f"user-{i}", frozenset({ROLE[s]})) for i, s in enumerate(STATES, 1)]

    def drive(case: _AuditedCase) -> None:
        for step, actor, roles in plan:
            _act(case, step, "approve", actor, roles, when)

    return Peer("hand-written dict + guard + roles + audit", _AuditedCase, drive,
                lambda c: c.state)


def all_peers() -> list[Peer]:
    """Return the peers, slowest first, then the two hand-written floors."""
    return [statemachine_peer(), transitions_peer(), dict_peer(), audited_peer()]


def _timed_act(case: _AuditedCase, step: str, action: str, actor: str, roles: frozenset[str],
               when: Any) -> None:
    if when.tzinfo is None:
        raise ValueError("time must be an aware datetime")
    if case.state != step:
        raise Refused(f"{step} is not active")
    if ROLE[step] not in roles:
        raise Refused(f"{actor} does not hold {ROLE[step]}")
    if actor == case.requester:
        raise Refused("the requester may not approve")
    target = NEXT[step] if action == "approve" and _guard(case) else "rejected"
    case.history.append((len(case.history) + 1, actor, roles, step, action, when, (step,),
                         (target,)))
    case.state = target


def floor_peer(label: str, times: Any) -> Peer:
    """Return the hand-written dict-dispatch loop doing procdsl's per-event work: the role
    check, the requester bar, the guard, and an audit tuple holding the actor's role set
    and the aware time as given (procdsl sorts the roles and converts the time to UTC
    when a record is read, not per event).

    ``times()`` gives the twenty event times of one case (each event its own time);
    ``make`` takes them, so drawing them is not timed.
    """
    plan = [(s, f"user-{i}", frozenset({ROLE[s]})) for i, s in enumerate(STATES, 1)]

    def make() -> tuple[_AuditedCase, list[Any]]:
        return _AuditedCase(), times()

    def drive(run: tuple[_AuditedCase, list[Any]]) -> None:
        case, when = run
        for (step, actor, roles), at in zip(plan, when, strict=True):
            _timed_act(case, step, "approve", actor, roles, at)

    return Peer(label, make, drive, lambda run: run[0].state)
