"""``procdsl.bpmn_import``: BPMN back to a spec (docs/bpmn.md, "Import").

* spec -> BPMN -> spec is the spec after ``fmt``, exactly, for every spec in specs/
  (the file carries the spec; the import checks that the diagram still says what the
  spec says before it gives the spec back);
* with the carried spec removed (or after an edit in a modeler) the spec is rebuilt from
  the BPMN elements and the procdsl extension elements alone: for every spec in specs/
  it checks clean and has the same model (every node, spans aside) and the same plan;
  only comments and keyword spellings are not kept;
* another tool's BPMN: the mapped subset becomes a spec, everything else a diagnostic
  with its element id.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from procdsl.bpmn_import import BpmnImportError, import_bpmn
from procdsl.compiler import check_text
from procdsl.emitters.bpmn import emit_bpmn
from procdsl.emitters.ir import plan_data, to_data
from procdsl.formatter import format_text
from procdsl.plan import plan_of

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.proc"))
IDS = [p.stem for p in SPECS]


@functools.cache
def exported(path: Path) -> tuple[Any, str]:
    shown = path.relative_to(ROOT).as_posix()
    unit = check_text(shown, path.read_bytes())
    assert unit.spec is not None
    return unit.spec, emit_bpmn(unit.spec, source_text=path.read_text(encoding="utf-8"))


def _no_spans(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _no_spans(v) for k, v in data.items() if k != "span"}
    if isinstance(data, list):
        return [_no_spans(x) for x in data]
    return data


def model(spec: Any) -> Any:
    data = _no_spans({k: to_data(getattr(spec, k)) for k in
                      ("process", "calendars", "roles", "fields", "tasks", "rules", "ends")})
    # a calendar is exported linked (every day written in it), so a spec rebuilt from the
    # elements declares it itself: where its days came from (a calendar file beside the
    # spec, the calendar it is based on, official holidays) is not part of the comparison
    for cal in data["calendars"]:
        for key in ("origin", "base", "public"):
            cal.pop(key, None)
    return _no_documentation(data)


# What only the manual reads (where rules come from, terms, the revision history, KPI
# targets, who decides a field) has no BPMN element: a spec rebuilt from the elements
# does not have it.
_DOCUMENTATION = frozenset({"provenance", "sets", "terms", "changes", "targets"})


def _no_documentation(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _no_documentation(v) for k, v in data.items() if k not in _DOCUMENTATION}
    if isinstance(data, list):
        return [_no_documentation(v) for v in data]
    return data


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_round_trip_gives_back_the_formatted_spec(path: Path) -> None:
    _, xml = exported(path)
    result = import_bpmn(xml)
    assert result.exact, [str(d) for d in result.diagnostics]
    assert result.text == format_text(path.read_text(encoding="utf-8"))
    assert not result.diagnostics


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_rebuilt_from_the_elements_the_spec_is_the_same_model_and_plan(path: Path) -> None:
    spec, xml = exported(path)
    result = import_bpmn(xml, use_source=False)
    assert not result.exact
    assert [d.severity for d in result.diagnostics] == ["warning"]  # comments not kept
    unit = check_text(spec.path, result.text.encode("utf-8"))
    assert unit.spec is not None, [str(d) for d in unit.diagnostics][:3]
    assert not [d for d in unit.diagnostics if d.severity.value == "error"]
    assert model(unit.spec) == model(spec)
    assert _no_spans(plan_data(plan_of(unit.spec))) == _no_spans(plan_data(plan_of(spec)))
    assert result.text == format_text(result.text)  # formatted


def test_an_edited_diagram_is_rebuilt_and_says_so() -> None:
    spec, xml = exported(ROOT / "specs" / "请假流程.proc")
    edited = xml.replace('name="人事登记假期"', 'name="人事登记假期并归档"', 1)
    assert edited != xml
    result = import_bpmn(edited)
    assert not result.exact
    assert any("changed after procdsl wrote it" in d.message for d in result.diagnostics)
    assert '步骤 人事备案 "人事登记假期并归档"' in result.text
    assert "# 请假流程" not in result.text  # comments are lost, and the warning says so


def test_an_element_added_in_a_modeler_is_a_diagnostic_not_a_silent_drop() -> None:
    _, xml = exported(ROOT / "specs" / "请假流程.proc")
    added = xml.replace("<bpmn:sequenceFlow ",
                        '<bpmn:serviceTask id="Activity_0xyz" name="Send SMS" />\n'
                        "    <bpmn:sequenceFlow ", 1)
    result = import_bpmn(added)
    assert any(d.element == "Activity_0xyz" and d.severity == "error" for d in result.diagnostics)


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_0a" targetNamespace="x">
  <bpmn:process id="Process_0leave" name="Leave request" isExecutable="true">
    <bpmn:laneSet id="LaneSet_0">
      <bpmn:lane id="Lane_emp" name="Employee"><bpmn:flowNodeRef>Start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_submit</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="Lane_mgr" name="Line manager"><bpmn:flowNodeRef>Activity_ok</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Gateway_1</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start" />
    <bpmn:userTask id="Activity_submit" name="Submit request" />
    <bpmn:userTask id="Activity_ok" name="Approve request" />
    <bpmn:boundaryEvent id="Event_late" attachedToRef="Activity_ok">
      <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P2D</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="Gateway_1" default="Flow_no" />
    <bpmn:serviceTask id="Activity_mail" name="Mail HR" />
    <bpmn:intermediateCatchEvent id="Event_wait" />
    <bpmn:endEvent id="End_ok" name="Approved" />
    <bpmn:endEvent id="End_no" name="Rejected"><bpmn:terminateEventDefinition /></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start" targetRef="Activity_submit" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_submit" targetRef="Activity_ok" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Activity_ok" targetRef="Gateway_1" />
    <bpmn:sequenceFlow id="Flow_yes" sourceRef="Gateway_1" targetRef="End_ok">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">approved == true</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_no" sourceRef="Gateway_1" targetRef="End_no" />
    <bpmn:sequenceFlow id="Flow_late" sourceRef="Event_late" targetRef="End_no" />
    <bpmn:sequenceFlow id="Flow_feel" sourceRef="Activity_mail" targetRef="End_ok">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=count(x[y &gt; 2]) &gt; 1</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def test_another_tools_bpmn_maps_its_subset_and_names_the_rest() -> None:
    result = import_bpmn(FOREIGN)
    text = result.text
    assert "process Leave_request" in text
    assert "  Employee \"Employee\"" in text and "  Line_manager \"Line manager\"" in text
    assert "step Submit_request \"Submit request\"\n  by Employee\n  then Approve_request" in text
    assert "  sla 2 days\n    on breach goto end Rejected" in text
    assert "  when approved == true -> end Approved\n  otherwise -> end Rejected" in text
    assert 'end Approved "Approved" success' in text and 'end Rejected "Rejected" failure' in text
    named = {d.element for d in result.diagnostics}
    assert {"Activity_mail", "Event_wait", "Flow_feel"} <= named
    assert all(d.element for d in result.diagnostics)


@pytest.mark.parametrize("bad", [
    "<x/>",
    "not xml",
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>',
])
def test_what_is_not_bpmn_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(BpmnImportError):
        import_bpmn(bad)


# Every construct the specs in specs/ do not use, once (descriptions, start, milestones,
# makeup days, external roles, a rule chain, interleaved and parallel splits, a
# multi-choice, wait for any, for-each with until, goto and auto-approve breaches...).
KITCHEN = """process kitchen "Kitchen sink"
  version 2.1
  owner "Ops"
  lang en
  purpose "Every construct once"
  description "A process that uses everything."
  reference "Policy A"
  reference "Policy B"
  sla 10 days
    on breach notify boss
  calendar cal
  start intake
  withdraw while intake -> end dropped
  cancel by boss -> end dropped
  action note "Add a note" by requester while intake, review

calendar cal "Calendar"
  workdays mon..fri, sat
  hours 09:00-17:00
  holidays 2026-01-01..2026-01-02
  makeup 2026-01-03
  timezone Europe/Berlin
  description "The office."

roles
  clerk "Clerk"
    description "Does the work."
  boss "Boss"
  auditor external
  helper

data
  amount: money "Amount"
  kind: enum(a, b, c)
  items: list of text
  urgent: bool
  due: date

rule who "Who approves"
  description "By amount."
  when amount < 100 -> boss
  otherwise -> boss then auditor

step intake "Take it in"
  by requester
  description "Start here."
  input form, "scan copy"
  check "Is it signed?"
  notify boss on enter
  also when urgent -> fast
  also when amount > 10 -> slow
  otherwise -> slow

step fast "Fast lane"
  by clerk, helper
  sla 4 hours
    remind at 50%
    on breach goto review
  then review

step slow "Slow lane"
  by clerk
  for each item in items one at a time until urgent
  sla 2 workdays
    remind 1 workday before
    on breach escalate to boss
  then review

approval review "Review"
  by rule who
  not by requester
  not by whoever did fast
  when kind in (a, b) -> also by helper
  wait for all
  sla 1 days
    on breach auto approve
    on breach notify helper
  approve when due < 2026-12-31 -> split
  approve -> end done
  reject -> end dropped
  return -> intake at most 2 times, then -> end dropped

step split "Split"
  by any of clerk, helper
  then in any order a1, a2

step a1 "A1"
  by clerk
  then join_any

step a2 "A2"
  by helper
  for each item in items until 1 done
  then join_any

step join_any "First wins"
  by clerk
  wait for any
  then all of p1, p2

step p1 "P1"
  by clerk
  then meet

step p2 "P2"
  by boss
  then meet

approval meet "Meet"
  by all of boss, auditor
  wait for all
  approve -> end done
  reject -> end dropped

end done "Done" success
  description "All good."
end dropped "Dropped" failure
"""


def test_every_construct_round_trips_both_ways_and_validates() -> None:
    from .test_bpmn import etree, schema

    unit = check_text("kitchen.proc", KITCHEN.encode("utf-8"))
    assert unit.spec is not None and not unit.diagnostics, [str(d) for d in unit.diagnostics]
    xml = emit_bpmn(unit.spec, source_text=KITCHEN)
    assert schema().validate(etree.fromstring(xml.encode("utf-8")))
    exact = import_bpmn(xml)
    assert exact.exact and exact.text == format_text(KITCHEN)
    rebuilt = import_bpmn(xml, use_source=False)
    again = check_text("kitchen.proc", rebuilt.text.encode("utf-8"))
    assert again.spec is not None and not again.diagnostics, [str(d) for d in again.diagnostics]
    assert model(again.spec) == model(unit.spec)
    assert _no_spans(plan_data(plan_of(again.spec))) == _no_spans(plan_data(plan_of(unit.spec)))
