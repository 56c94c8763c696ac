"""Org-relative approvers through a Directory, empty approvers, de-duplication, transfer,
add-sign, delegates, urging, the requester's pick and the case-wide cap on returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from procdsl.runtime import DictDirectory, Refused
from procdsl.runtime.directory import chain, department_head, manager_at

from .test_runtime_helpers import who, workflow

T = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
# company (ceo) > sales (sam) > sales_east (eve): alice and bob work in sales_east.
ORG = DictDirectory(
    departments={"company": ("ceo", None), "sales": ("sam", "company"),
                 "sales_east": ("eve", "sales"), "support": (None, "sales")},
    people={"alice": "sales_east", "bob": "sales_east", "eve": "sales_east", "sam": "sales",
            "ceo": "company", "lone": "support"},
    roles={"director": {"sam", "dora"}, "manager": {"eve", "bob", "sam"}, "hr": {"hana"}},
    delegates={"eve": "dan"})
ALICE = who("alice", "staff")
EVE, SAM, CEO = who("eve", "manager"), who("sam", "manager", "director"), who("ceo")
BOB, DAN, HANA, RITA = who("bob", "manager"), who("dan"), who("hana", "hr"), who("rita")


def claim(actor: Any = ALICE, directory: Any = ORG, reviewer: str = "rita") -> Any:
    case = workflow("runtime_org").start(actor, {"reviewer": reviewer}, T, directory=directory)
    case.act("apply", "complete", actor, T)
    return case


def tail(case: Any, n: int) -> list[tuple[str, str | None, str, str]]:
    return [(r.actor, r.step, r.action, r.detail) for r in case.history[-n:]]


def round_trip(case: Any, directory: Any = ORG) -> Any:
    text = case.to_json()
    again = workflow("runtime_org").from_json(text, directory=directory)
    assert again.to_json() == text
    return again


def test_levels_are_counted_as_office_systems_count_them() -> None:
    assert [manager_at(ORG, "alice", n) for n in (1, 2, 3, 4)] == ["eve", "sam", "ceo", None]
    assert manager_at(ORG, "eve", 1) == "sam"  # a head's first level: the parent's head
    assert manager_at(ORG, "lone", 1) == "sam"  # a department without a head is skipped
    assert chain(ORG, "alice", role="director") == ["eve", "sam"]
    assert chain(ORG, "alice", levels=1) == ["eve"]
    assert chain(ORG, "alice", role="nobody") == ["eve", "sam", "ceo"]
    assert department_head(ORG, "alice") == "eve" and department_head(ORG, "eve") == "sam"


def test_the_requesters_own_manager_approves_not_any_manager() -> None:
    case = claim()
    with pytest.raises(Refused, match="manager_ok is for eve, not bob"):
        case.act("manager_ok", "approve", BOB, T)  # holds the role, but is not her manager
    assert [a.action for a in case.allowed_actions(EVE)] == ["approve", "reject", "return"]
    assert case.allowed_actions(BOB) == ()
    case.act("manager_ok", "approve", EVE, T)
    with pytest.raises(Refused, match="second is for sam"):
        case.act("second", "approve", EVE, T)
    case.act("second", "approve", SAM, T)
    case = round_trip(case)
    case.act("head", "approve", EVE, T)  # the head of alice's department
    # The chain up to director is eve then sam: both approved already, dedupe skips them.
    assert case.active == ("named",)
    assert tail(case, 4) == [("eve", "head", "approve", ""), ("@clock", "chain", "dedupe", "eve"),
                             ("@clock", "chain", "dedupe", "sam"),
                             ("@clock", "chain", "empty_approve", "")]
    with pytest.raises(Refused, match="named is for rita"):
        case.act("named", "approve", EVE, T)
    case.act("named", "approve", RITA, T)  # the person the field names
    assert case.active == ("picked",)


def test_a_chain_asks_each_level_in_order_up_to_the_role() -> None:
    case = claim()
    case.transfer("manager_ok", "bob", EVE, T)  # eve never approves: the chain asks her
    case.act("manager_ok", "approve", BOB, T)
    case.act("second", "approve", SAM, T)
    case.act("head", "approve", EVE, T)
    assert [r.detail for r in case.history[-2:]] == ["sam", ""]  # sam skipped (dedupe)
    assert case.active == ("named",)  # eve approved the head: skipped too
    fresh = DictDirectory(departments=ORG.departments, people=ORG.people, roles=ORG.roles,
                          managers={"alice": "eve"})
    other = claim(directory=fresh)
    for actor, step in ((EVE, "manager_ok"), (SAM, "second")):
        other.act(step, "approve", actor, T)
    assert other.active == ("head",)


def test_when_no_approver_auto_approves_transfers_or_rejects() -> None:
    nobody = DictDirectory(roles={"hr": {"hana"}})
    case = claim(directory=nobody)
    # manager_ok: nobody -> approved by the clock; second: nobody -> handed to hr.
    assert case.active == ("second",)
    assert ("@clock", "manager_ok", "empty_approve", "") in tail(case, 4)
    assert ("@clock", "second", "empty_transfer", "hr") in tail(case, 4)
    with pytest.raises(Refused, match="needs the role hr"):
        case.act("second", "approve", EVE, T)
    case = round_trip(case, nobody)
    events = case.act("second", "approve", HANA, T)
    # head: nobody -> rejected by the clock, and the case ends.
    assert case.outcome == "refused"
    assert tail(case, 2) == [("hana", "second", "approve", ""),
                             ("@clock", "head", "empty_reject", "")]
    assert ("auto_rejected", "head") in [(e.kind, e.step) for e in events]


def test_a_chain_without_anyone_waits_with_no_approver() -> None:
    org = DictDirectory(managers={"alice": "m", "m": "n"})
    case = claim(directory=org)
    case.act("manager_ok", "approve", who("m"), T)
    case.act("second", "approve", who("n"), T)
    case.act("head", "approve", who("m"), T)  # no department: the head is her manager
    # chain: m then n (nobody holds director): both approved already, skipped.
    assert case.active == ("named",)
    empty = DictDirectory(managers={"alice": "m"}, delegates={})
    other = claim(directory=empty)
    other.act("manager_ok", "approve", who("m"), T)
    assert other.active == ("second",)  # nobody at level 2: handed to hr
    assert ("@clock", "second", "empty_transfer", "hr") in tail(other, 2)


def test_transfer_to_an_allowed_person_only_and_audited() -> None:
    case = claim()
    before = case.to_json()
    with pytest.raises(Refused, match="needs the role manager or director"):
        case.transfer("manager_ok", "rita", EVE, T)
    with pytest.raises(Refused, match="manager_ok is for eve, not x"):
        case.transfer("manager_ok", "bob", who("x", "manager"), T)
    with pytest.raises(Refused, match="themself"):
        case.transfer("manager_ok", "eve", EVE, T)
    assert case.to_json() == before
    case.transfer("manager_ok", "bob", EVE, T)
    assert tail(case, 1) == [("eve", "manager_ok", "transfer", "bob")]
    with pytest.raises(Refused, match="for bob, not eve"):
        case.act("manager_ok", "approve", EVE, T)
    case = round_trip(case)
    case.act("manager_ok", "approve", BOB, T)
    assert case.active == ("second",)
    with pytest.raises(Refused, match="does not allow transfer"):
        case.transfer("second", "dora", SAM, T)


def test_add_sign_before_after_and_with_me() -> None:
    case = claim()
    case.add_sign("manager_ok", "sam", "before", EVE, T)
    assert tail(case, 1) == [("eve", "manager_ok", "add_sign", "before:sam")]
    with pytest.raises(Refused, match="for sam"):
        case.act("manager_ok", "approve", EVE, T)
    case.act("manager_ok", "approve", SAM, T)
    assert case.active == ("manager_ok",)
    case.add_sign("manager_ok", "bob", "after", EVE, T)
    case = round_trip(case)
    case.act("manager_ok", "approve", EVE, T)
    assert case.active == ("manager_ok",)
    case.act("manager_ok", "approve", BOB, T)
    assert case.active == ("second",)
    with_me = claim()
    with pytest.raises(Refused, match="before, after or with"):
        with_me.add_sign("manager_ok", "bob", "beside", EVE, T)
    with pytest.raises(Refused, match="needs the role"):
        with_me.add_sign("manager_ok", "rita", "with", EVE, T)
    with_me.add_sign("manager_ok", "bob", "with", EVE, T)
    with_me.act("manager_ok", "approve", BOB, T)
    assert with_me.active == ("manager_ok",)
    with pytest.raises(Refused, match="already decided"):
        with_me.act("manager_ok", "approve", BOB, T)
    with_me.act("manager_ok", "approve", EVE, T)
    assert with_me.active == ("second",)
    with pytest.raises(Refused, match="does not allow add-sign"):
        with_me.add_sign("second", "dora", "after", SAM, T)


def test_an_out_of_office_delegate_acts_for_the_approver() -> None:
    case = claim()
    assert [a.action for a in case.allowed_actions(DAN)] == ["approve", "reject", "return"]
    case.act("manager_ok", "approve", DAN, T)
    assert tail(case, 1) == [("dan", "manager_ok", "approve", "for:eve")]
    # second does not allow delegates: sam's delegate (none set) or dan may not act.
    with pytest.raises(Refused, match="second is for sam, not dan"):
        case.act("second", "approve", DAN, T)
    assert round_trip(case).history[-1].detail == "for:eve"


def test_the_requester_urges_at_most_once_an_hour() -> None:
    case = claim()
    with pytest.raises(Refused, match="only the requester"):
        case.urge("manager_ok", EVE, T)
    events = case.urge("manager_ok", ALICE, T)
    assert [(e.kind, e.step, e.roles) for e in events] == [("urged", "manager_ok", ("@user:eve",))]
    assert tail(case, 1) == [("alice", "manager_ok", "urge", "")]
    before = case.to_json()
    with pytest.raises(Refused, match="less than an hour ago"):
        case.urge("manager_ok", ALICE, T + HOUR / 2)
    assert case.to_json() == before
    case.urge("manager_ok", ALICE, T + HOUR)
    case.act("manager_ok", "approve", EVE, T)
    with pytest.raises(Refused, match="does not allow urging"):
        case.urge("second", ALICE, T)


def test_the_requester_picks_approvers_among_the_role() -> None:
    case = claim()
    with pytest.raises(Refused, match="not the requester's choice"):
        case.pick("manager_ok", ["sam"], ALICE, T)
    with pytest.raises(Refused, match="only the requester"):
        case.pick("picked", ["sam"], EVE, T)
    with pytest.raises(Refused, match="needs the role director"):
        case.pick("picked", ["bob"], ALICE, T)
    case.pick("picked", ["dora", "sam"], ALICE, T)  # at start: kept for later
    assert tail(case, 1) == [("alice", "picked", "pick", "dora,sam")]
    case = round_trip(case)
    for actor, step in ((EVE, "manager_ok"), (SAM, "second"), (EVE, "head"), (RITA, "named")):
        case.act(step, "approve", actor, T)
    assert case.active == ("picked",)
    with pytest.raises(Refused, match="picked is for dora"):
        case.act("picked", "approve", SAM, T)
    case.act("picked", "approve", who("dora"), T)
    case.act("picked", "approve", SAM, T)
    assert case.outcome == "paid"


def test_an_approval_waits_for_the_requesters_pick() -> None:
    case = claim()
    for actor, step in ((EVE, "manager_ok"), (SAM, "second"), (EVE, "head"), (RITA, "named")):
        case.act(step, "approve", actor, T)
    with pytest.raises(Refused, match="waits for the requester"):
        case.act("picked", "approve", SAM, T)
    case.pick("picked", ["sam"], ALICE, T)
    case = round_trip(case)
    with pytest.raises(Refused, match="chosen already"):
        case.pick("picked", ["dora"], ALICE, T)
    case.act("picked", "approve", SAM, T)
    assert case.outcome == "paid"


def test_returns_are_capped_across_routes() -> None:
    case = claim()
    case.act("manager_ok", "return", EVE, T)
    case.act("apply", "complete", ALICE, T)
    case.act("manager_ok", "approve", EVE, T)
    case.act("second", "return", SAM, T)  # another route: the same case-wide count
    case.act("apply", "complete", ALICE, T)
    case = round_trip(case)
    before = case.to_json()
    with pytest.raises(Refused, match="at most 2 times in all"):
        case.act("manager_ok", "return", EVE, T)
    assert case.to_json() == before
    case.act("manager_ok", "reject", EVE, T)
    assert case.outcome == "refused"


def test_without_a_directory_nobody_is_found() -> None:
    case = workflow("runtime_org").start(ALICE, {"reviewer": ""}, T)
    case.act("apply", "complete", ALICE, T)
    assert case.active == ("second",)  # manager_ok approved, second handed to hr
    loaded = workflow("runtime_org").from_json(claim().to_json())  # no directory given
    with pytest.raises(Refused, match="no directory to check"):
        loaded.transfer("manager_ok", "bob", EVE, T)


def test_the_store_keeps_the_directory_and_replays_approver_actions(tmp_path: Any) -> None:
    from procdsl.store import open_store

    from .test_runtime_helpers import module_of

    module = module_of("runtime_org")
    with open_store(f"sqlite:///{tmp_path / 'org.db'}") as store:
        d = store.directory
        d.set_department("company", head="ceo")
        d.set_department("sales", head="sam", parent="company")
        d.set_department("sales_east", head="eve", parent="sales")
        for person, dept in (("alice", "sales_east"), ("bob", "sales_east"), ("sam", "sales")):
            d.set_person(person, department=dept)
        d.set_person("eve", department="sales_east", delegate="dan")
        for person in ("eve", "bob", "sam"):
            d.grant("manager", person)
        d.grant("director", "sam")
        assert d.manager_of("alice") == "eve" and d.manager_of("eve") == "sam"
        claim_ = store.start(module.WORKFLOW, ALICE, {"reviewer": "rita"}, T)
        store.act(claim_.id, "apply", "complete", ALICE, T)
        assert [i.step for i in store.inbox(DAN)] == ["manager_ok"]  # eve's delegate
        assert store.inbox(BOB) == []
        with pytest.raises(Refused, match="needs the role manager or director"):
            store.act(claim_.id, "manager_ok", "transfer", EVE, T, detail="rita")
        store.act(claim_.id, "manager_ok", "transfer", EVE, T, detail="bob")
        assert [i.step for i in store.inbox(BOB)] == ["manager_ok"]
        store.act(claim_.id, "manager_ok", "add_sign", BOB, T, detail="after:sam")
        store.act(claim_.id, "manager_ok", "urge", ALICE, T)
        store.act(claim_.id, "manager_ok", "approve", BOB, T)
        store.act(claim_.id, "manager_ok", "approve", SAM, T)
        rows = store.audit(claim_.id)
        assert [(r.action, r.detail) for r in rows][-5:] == [
            ("transfer", "bob"), ("add_sign", "after:sam"), ("urge", ""), ("approve", ""),
            ("approve", "")]
        stored = store.get(claim_.id).case
        assert store.replay(claim_.id).to_json() == stored.to_json()
        d.revoke("director", "sam")
        assert "sam" not in d.members("director")


def test_a_resubmission_goes_straight_back_to_the_approver_who_returned_it() -> None:
    case = claim()
    case.add_sign("manager_ok", "sam", "after", EVE, T)
    case.act("manager_ok", "approve", EVE, T)
    case.act("manager_ok", "return", SAM, T)  # sam, the second signer, sends it back
    case = round_trip(case)
    case.act("apply", "complete", ALICE, T)
    assert case.active == ("manager_ok",)
    assert tail(case, 2) == [("alice", "apply", "complete", ""),
                             ("@clock", "apply", "to_returner", "sam")]
    with pytest.raises(Refused, match="manager_ok is for sam, not eve"):
        case.act("manager_ok", "approve", EVE, T)  # eve's stage is not asked again
    case.act("manager_ok", "approve", SAM, T)
    assert case.active == ("second",)
    # A return from an approval without the line goes through the whole chain again.
    case.act("second", "return", SAM, T)
    case.act("apply", "complete", ALICE, T)
    assert case.active == ("manager_ok",)
    with pytest.raises(Refused, match="manager_ok is for eve, not sam"):
        case.act("manager_ok", "approve", SAM, T)
