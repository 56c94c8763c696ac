"""``procdsl import-bpmn``: a BPMN 2.0 file back to a spec, formatted (``formatter.py``).

Three ways in, tried in order (docs/bpmn.md, "Import"):

1. A file procdsl wrote carries the spec it came from (``procdsl:source``).  When the
   file's process still says what that spec says (the BPMN procdsl would write for it
   has the same elements, names, flows, conditions and timers), the spec comes back as
   written, comments included: the round trip is exact.
2. Otherwise the spec is rebuilt from the elements and the ``procdsl`` extension
   elements procdsl writes on them (a file edited in a modeler, or written without its
   source): every step, approval mode, route, cap, deadline and declaration comes back;
   comments do not (a warning says so).
3. A file from another tool: lanes become roles, user (and manual, plain) tasks steps,
   exclusive and parallel gateways routes (a condition is kept when it is written in the
   spec's condition syntax), boundary timers SLAs (an interrupting one with a flow is an
   ``on breach goto``), end events ends (terminate: failure).  Every other element is a
   diagnostic with its id, never dropped in silence.

The XML is parsed with the standard library; a document type declaration (DTD, entities)
is refused before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .formatter import format_text
from .keywords import BY_TERMINAL

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MAX_BPMN_BYTES = 64 * 1024 * 1024
PD = "{https://procdsl.dev/schema/bpmn/1}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@dataclass(frozen=True)
class ImportDiagnostic:
    """Something of the BPMN that did not come over as it was (``element``: its id)."""

    element: str
    message: str
    severity: str = "warning"  # "warning" | "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.element}: {self.message}"


@dataclass
class ImportResult:
    """The spec text (formatted when it parses) and what did not map."""

    text: str
    diagnostics: list[ImportDiagnostic] = field(default_factory=list)
    exact: bool = False  # True when the spec came back from procdsl:source


class BpmnImportError(ValueError):
    """The file is not BPMN procdsl can read (the message says why)."""


# ------------------------------------------------------------------ entry point


def import_bpmn(data: bytes | str, *, use_source: bool = True) -> ImportResult:
    """Return the spec a BPMN document describes (see the module docstring)."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if len(raw) > MAX_BPMN_BYTES:
        raise BpmnImportError(f"the file is {len(raw) / 1024 / 1024:.1f} MB; at most "
                              f"{MAX_BPMN_BYTES // 1024 // 1024} MB is read")
    text = raw.decode("utf-8", errors="replace")
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE) or b"\0" in raw[:4]:
        raise BpmnImportError("the file has a document type declaration (DTD) or is not "
                              "UTF-8; BPMN needs neither")
    try:
        root = ET.fromstring(raw)  # the XML declaration's encoding, if any, is honoured
    except ET.ParseError as err:
        raise BpmnImportError(f"not well-formed XML: {err}") from None
    if root.tag != f"{BPMN}definitions":
        raise BpmnImportError(f"not a BPMN 2.0 document (root element {root.tag})")
    processes = root.findall(f"{BPMN}process")
    if not processes:
        raise BpmnImportError("the document has no process")
    diags: list[ImportDiagnostic] = []
    for extra in processes[1:]:
        diags.append(ImportDiagnostic(extra.get("id", "?"), "only the first process is imported"))
    process = processes[0]
    source = process.find(f"{BPMN}extensionElements/{PD}source")
    before = len(diags)
    if use_source and source is not None and source.text:
        found = _from_source(root, source.text, source.get("path", "imported.proc"), diags)
        if found is not None:
            return found
    if process.find(f"{BPMN}extensionElements/{PD}process") is not None:
        if len(diags) == before:  # _from_source gave no reason of its own
            diags.append(ImportDiagnostic(process.get("id", "?"),
                                          "rebuilt from the procdsl extension elements: "
                                          "comments and keyword spellings are not kept"))
        spec = _Rebuild(process, diags).spec()
    else:
        spec = _Foreign(root, process, diags).spec()
    return ImportResult(_formatted(spec, diags), diags)


def _formatted(text: str, diags: list[ImportDiagnostic]) -> str:
    from .compiler import check_text

    unit = check_text("imported.proc", text.encode("utf-8"))
    if unit.spec is None and any(d.severity.value == "error" and d.code.startswith("PD0")
                                 for d in unit.diagnostics):
        diags.append(ImportDiagnostic("-", "the spec does not parse; written unformatted: "
                                      + "; ".join(str(d.message) for d in unit.diagnostics[:3]),
                                      "error"))
        return text
    try:
        return format_text(text)
    except Exception:  # noqa: BLE001 - a spec that does not parse is written as it is
        return text


def _from_source(root: ET.Element, source: str, path: str,
                 diags: list[ImportDiagnostic]) -> ImportResult | None:
    """Return the carried spec when the document still says what it says, else None."""
    from .compiler import check_text
    from .emitters.bpmn import emit_bpmn

    called = frozenset(el.get("calledElement", "") for el in root.iter(f"{BPMN}callActivity"))
    unit = check_text(path, source.encode("utf-8"), called - {""})
    process_id = root.find(f"{BPMN}process")
    pid = process_id.get("id", "?") if process_id is not None else "?"
    if unit.spec is None:
        diags.append(ImportDiagnostic(pid, "the carried spec (procdsl:source) does not check; "
                                      "rebuilt from the elements"))
        return None
    dialect = "zeebe" if "FEEL" in root.get("expressionLanguage", "") else "python"
    again = ET.fromstring(emit_bpmn(unit.spec, dialect=dialect).encode("utf-8"))
    mine, theirs = fingerprint(again), fingerprint(root)
    if mine != theirs:
        first = next(iter(sorted(set(mine) ^ set(theirs))), ("?",))
        diags.append(ImportDiagnostic(str(first[0]), "the diagram was changed after procdsl wrote "
                                      "it; the spec is rebuilt from the elements (comments lost)"))
        return None
    return ImportResult(format_text(source), diags, exact=True)


def fingerprint(root: ET.Element) -> list[tuple[str, ...]]:
    """Return what a process says, element by element: ids, tags, names, references,
    conditions, timers, extension attributes (no layout, no carried source)."""
    out: list[tuple[str, ...]] = []
    process = root.find(f"{BPMN}process")
    collab = root.find(f"{BPMN}collaboration")
    for top in (collab, process):
        if top is None:
            continue
        for el in top.iter():
            if el.tag == f"{PD}source":
                continue
            attrs = tuple(f"{k}={v}" for k, v in sorted(el.attrib.items()))
            text = (el.text or "").strip() if len(el) == 0 else ""
            out.append((el.get("id", el.tag), el.tag, *attrs, text))
    return sorted(out)


# ------------------------------------------------------------------ writing spec text


class _Words:
    """Keywords in the spec's language."""

    def __init__(self, lang: str) -> None:
        self.zh = lang == "zh"

    def __call__(self, terminal: str) -> str:
        k = BY_TERMINAL[terminal]
        return k.zh if self.zh else k.en


def _q(text: str) -> str:
    """Return text as a spec string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


_UNITS = {"minutes": "MINUTES", "hours": "HOURS", "work_hours": "WORK_HOURS", "days": "DAYS",
          "workdays": "WORKDAYS", "weeks": "WEEKS"}


def _csv(text: str | None) -> list[str]:
    return [x for x in (text or "").split(",") if x]


class _Rebuild:
    """A spec from a document procdsl wrote: the elements plus the procdsl extensions."""

    def __init__(self, process: ET.Element, diags: list[ImportDiagnostic]) -> None:
        self.p = process
        self.diags = diags
        ext = process.find(f"{BPMN}extensionElements")
        self.ext = ext if ext is not None else ET.Element("x")
        head = self.ext.find(f"{PD}process")
        self.head = head if head is not None else ET.Element("x")
        self.lang = self.head.get("lang", "en")
        self.w = _Words(self.lang)
        self.by_id = {el.get("id", ""): el for el in process.iter() if el.get("id")}
        self.flows = [f for f in process.findall(f"{BPMN}sequenceFlow")]
        self.out_of: dict[str, list[ET.Element]] = {}
        for f in self.flows:
            self.out_of.setdefault(f.get("sourceRef", ""), []).append(f)

    def name_of(self, node_id: str) -> tuple[str, bool] | None:
        """Return (task or end name, is an end) a flow into node_id reaches."""
        el = self.by_id.get(node_id)
        if el is None:
            return None
        task = el.find(f"{BPMN}extensionElements/{PD}task")
        if task is not None:
            return task.get("name", ""), False
        end = el.find(f"{BPMN}extensionElements/{PD}end")
        if end is not None:
            return end.get("name", ""), True
        if el.tag.endswith("Gateway") and node_id.startswith("Join_"):
            outs = self.out_of.get(node_id, [])
            return self.name_of(outs[0].get("targetRef", "")) if outs else None
        return None

    def target(self, node_id: str) -> str:
        found = self.name_of(node_id)
        if found is None:
            self.diags.append(ImportDiagnostic(node_id, "a route leads to an element that is not "
                                               "a task or an end", "error"))
            return "?"
        name, is_end = found
        return f"{self.w('END')} {name}" if is_end else name

    def report_unknown(self) -> None:
        """Diagnose every element procdsl did not write (added in a modeler): not imported."""
        for el in self.p:
            tag, eid = el.tag.removeprefix(BPMN), el.get("id", "")
            if not el.tag.startswith(BPMN) or tag in _KNOWN_TAGS:
                continue
            ours = el.find(f"{BPMN}extensionElements/{PD}task") is not None or \
                el.find(f"{BPMN}extensionElements/{PD}end") is not None or \
                eid.split("_")[0] in _HELPERS
            if tag == "sequenceFlow":
                ours = eid.startswith("Flow_")
            if not ours:
                self.diags.append(ImportDiagnostic(eid or tag, f"{tag} was not written by procdsl "
                                                   "and has no procdsl extension; not imported",
                                                   "error"))

    def spec(self) -> str:
        self.report_unknown()
        lines = self.header()
        for el in self.ext.findall(f"{PD}calendar"):
            lines += [""] + self.calendar(el)
        roles = self.ext.findall(f"{PD}role")
        if roles:
            lines += ["", self.w("ROLES")]
            for r in roles:
                lines.append("  " + " ".join([r.get("name", "")] + ([_q(r.get("title", ""))] if r.get("title")
                                                                   else []) +
                                             ([self.w("EXTERNAL")] if r.get("external") else [])))
                if r.get("description"):
                    lines.append(f"    {self.w('DESCRIPTION')} {_q(r.get('description', ''))}")
        fields = self.ext.findall(f"{PD}field")
        if fields:
            lines += ["", self.w("DATA")]
            for f in fields:
                title = f" {_q(f.get('title', ''))}" if f.get("title") else ""
                limits = (f" {self.w('REQUIRED')}" if f.get("required") == "true" else "") + (
                    f" {self.w('RANGE')} {f.get('range')}" if f.get("range") else "")
                lines.append(f"  {f.get('name')}: {f.get('type')}{limits}{title}")
        for el in self.ext.findall(f"{PD}rule"):
            lines += [""] + self.rule(el)
        tasks = [el for el in self.p if el.find(f"{BPMN}extensionElements/{PD}task") is not None]
        tasks.sort(key=lambda el: int(el.find(f"{BPMN}extensionElements/{PD}task").get("at", "0")))  # type: ignore[union-attr]
        for el in tasks:
            lines += [""] + self.task(el)
        ends = [el.find(f"{BPMN}extensionElements/{PD}end") for el in self.p.findall(f"{BPMN}endEvent")]
        ends_sorted = sorted((e for e in ends if e is not None), key=lambda e: int(e.get("at", "0")))
        lines.append("")
        docs = {}
        for el in self.p.findall(f"{BPMN}endEvent"):
            e = el.find(f"{BPMN}extensionElements/{PD}end")
            doc = el.find(f"{BPMN}documentation")
            if e is not None and doc is not None and doc.text:
                docs[e.get("name")] = doc.text
        for e in ends_sorted:
            kind = self.w("SUCCESS") if e.get("kind") == "success" else self.w("FAILURE")
            title = f" {_q(e.get('title', ''))}" if e.get("title") else ""
            lines.append(f"{self.w('END')} {e.get('name')}{title} {kind}")
            if e.get("name") in docs:
                lines.append(f"  {self.w('DESCRIPTION')} {_q(docs[e.get('name')])}")
        return "\n".join(lines) + "\n"

    def header(self) -> list[str]:
        h, w = self.head, self.w
        title = f" {_q(h.get('title', ''))}" if h.get("title") else ""
        lines = [f"{w('PROCESS')} {h.get('name')}{title}"]
        if h.get("version"):
            lines.append(f"  {w('VERSION')} {h.get('version')}")
        if h.get("owner"):
            lines.append(f"  {w('OWNER')} {_q(h.get('owner', ''))}")
        lines.append(f"  {w('LANG')} {self.lang}")
        for key, term in (("purpose", "PURPOSE"), ("scope", "SCOPE")):
            if h.get(key):
                lines.append(f"  {w(term)} {_q(h.get(key, ''))}")
        for ref in h.findall(f"{PD}reference"):
            lines.append(f"  {w('REFERENCE')} {_q(ref.text or '')}")
        if h.get("description"):
            lines.append(f"  {w('DESCRIPTION')} {_q(h.get('description', ''))}")
        d = self.ext.find(f"{PD}deadline")
        if d is not None:
            lines += self.sla(d, "  ")
        if h.get("calendar"):
            lines.append(f"  {w('CALENDAR')} {h.get('calendar')}")
        if h.get("start"):
            lines.append(f"  {w('START')} {h.get('start')}")
        wd = self.ext.find(f"{PD}withdraw")
        if wd is not None:
            lines.append(f"  {w('WITHDRAW')} {w('WHILE')} {', '.join(_csv(wd.get('while')))} -> "
                         f"{self.end_ref(wd.get('target', ''))}")
        for c in self.ext.findall(f"{PD}cancel"):
            lines.append(f"  {w('CANCEL')} {w('BY')} {', '.join(_csv(c.get('roles')))} -> "
                         f"{self.end_ref(c.get('target', ''))}")
        for a in self.ext.findall(f"{PD}milestone"):
            title = f" {_q(a.get('title', ''))}" if a.get("title") else ""
            lines.append(f"  {w('ACTION')} {a.get('name')}{title} {w('BY')} "
                         f"{self.assignee(a)} {w('WHILE')} {', '.join(_csv(a.get('while')))}")
        return lines

    def end_ref(self, name: str) -> str:
        ends = {e.get("name") for e in self.p.iter(f"{PD}end")}
        return f"{self.w('END')} {name}" if name in ends else name

    def assignee(self, t: ET.Element) -> str:
        w, mode, roles = self.w, t.get("mode", "one"), _csv(t.get("roles"))
        if mode == "requester":
            return w("REQUESTER")
        if mode == "rule":
            return f"{w('RULE')} {t.get('rule')}"
        if mode == "all":
            return f"{w('ALL')} {w('OF')} {', '.join(roles)}"
        if mode == "any":
            return f"{w('ANY')} {w('OF')} {', '.join(roles)}"
        if mode == "sequence":
            return f" {w('THEN')} ".join(roles)
        if mode == "count":
            return f"{t.get('count')} {w('OF')} {roles[0] if roles else ''}"
        return ", ".join(roles)

    def duration(self, amount: str, unit: str) -> str:
        return f"{amount} {self.w(_UNITS[unit])}"

    def sla(self, d: ET.Element, pad: str) -> list[str]:
        w = self.w
        lines = [f"{pad}{w('SLA')} {self.duration(d.get('amount', '0'), d.get('unit', 'days'))}"]
        for r in d.findall(f"{PD}remind"):
            if r.get("atPercent") is not None:
                lines.append(f"{pad}  {w('REMIND')} {w('AT')} {r.get('atPercent')}%")
            else:
                lines.append(f"{pad}  {w('REMIND')} {self.duration(r.get('amount', '0'), r.get('unit', 'days'))}"
                             f" {w('BEFORE')}")
        for b in d.findall(f"{PD}onBreach"):
            kind, roles = b.get("kind"), ", ".join(_csv(b.get("roles")))
            what = {"notify": f"{w('NOTIFY')} {roles}", "escalate": f"{w('ESCALATE')} {w('TO')} {roles}",
                    "auto_approve": w("AUTO_APPROVE"), "auto_reject": w("AUTO_REJECT"),
                    "goto": f"{w('GOTO')} {self.end_ref(b.get('target', ''))}"}[kind or "notify"]
            lines.append(f"{pad}  {w('ON_BREACH')} {what}")
        return lines

    def calendar(self, el: ET.Element) -> list[str]:
        w = self.w
        title = f" {_q(el.get('title', ''))}" if el.get("title") else ""
        lines = [f"{w('CALENDAR')} {el.get('name')}{title}"]
        for tag, term in (("workdays", "WORKDAYS"), ("hours", "OPEN_HOURS" if self.w.zh else "HOURS"),
                          ("holidays", "HOLIDAYS"), ("makeup", "MAKEUP")):
            for line in el.findall(f"{PD}{tag}"):
                lines.append(f"  {w(term)} {line.text or ''}")
        if el.get("timezone"):
            lines.append(f"  {w('TIMEZONE')} {el.get('timezone')}")
        if el.get("description"):
            lines.append(f"  {w('DESCRIPTION')} {_q(el.get('description', ''))}")
        return lines

    def rule(self, el: ET.Element) -> list[str]:
        w = self.w
        title = f" {_q(el.get('title', ''))}" if el.get("title") else ""
        lines = [f"{w('RULE')} {el.get('name')}{title}"]
        if el.get("description"):
            lines.append(f"  {w('DESCRIPTION')} {_q(el.get('description', ''))}")
        for row in el.findall(f"{PD}row"):
            result = row.get("result", "")
            if row.get("when") is None:
                lines.append(f"  {w('OTHERWISE')} -> {result}")
            else:
                lines.append(f"  {w('WHEN')} {row.get('when')} -> {result}")
        return lines

    def task(self, el: ET.Element) -> list[str]:
        w = self.w
        ext = el.find(f"{BPMN}extensionElements")
        assert ext is not None
        t = ext.find(f"{PD}task")
        assert t is not None
        kind = w("APPROVAL") if t.get("kind") == "approval" else w("STEP")
        shown = el.get("name")
        if shown and shown != (t.get("title") or t.get("name")):  # relabelled in a modeler
            t.set("title", shown)
        title = f" {_q(t.get('title', ''))}" if t.get("title") else ""
        lines = [f"{kind} {t.get('name')}{title}"]
        if t.get("mode"):
            lines.append(f"  {w('BY')} {self.assignee(t)}")
        for x in ext.findall(f"{PD}notBy"):
            if x.get("requester"):
                lines.append(f"  {w('NOT')} {w('BY')} {w('REQUESTER')}")
            else:
                lines.append(f"  {w('NOT')} {w('BY')} {w('WHOEVER_DID')} {x.get('whoeverDid')}")
        for x in ext.findall(f"{PD}alsoBy"):
            lines.append(f"  {w('WHEN')} {x.get('when')} -> {w('ALSO')} {w('BY')} "
                         f"{', '.join(_csv(x.get('roles')))}")
        doc = el.find(f"{BPMN}documentation")
        if doc is not None and doc.text:  # one description line per paragraph
            lines += [f"  {w('DESCRIPTION')} {_q(part)}" for part in doc.text.split("\n\n")]
        for tag, term in (("input", "INPUT"), ("output", "OUTPUT")):
            names = [x.get("name", "") for x in ext.findall(f"{PD}{tag}")]
            if names:
                lines.append(f"  {w(term)} " + ", ".join(n if re.fullmatch(r"[^\W\d]\w*", n) else _q(n)
                                                         for n in names))
        for x in ext.findall(f"{PD}check"):
            lines.append(f"  {w('CHECK')} {_q(x.text or '')}")
        timer = next((b for b in self.p.findall(f"{BPMN}boundaryEvent")
                      if b.get("attachedToRef") == el.get("id")
                      and b.find(f"{BPMN}extensionElements/{PD}deadline") is not None), None)
        if timer is not None:
            d = timer.find(f"{BPMN}extensionElements/{PD}deadline")
            assert d is not None
            lines += self.sla(d, "  ")
        for x in ext.findall(f"{PD}notify"):
            on = w("ENTER") if x.get("on") == "enter" else w("LEAVE")
            lines.append(f"  {w('NOTIFY')} {', '.join(_csv(x.get('roles')))} {w('ON')} {on}")
        if t.get("wait"):
            lines.append(f"  {w('WAIT')} {w(t.get('wait', 'each').upper())}")
        fe = ext.find(f"{PD}forEach")
        if fe is not None:
            line = f"  {w('FOR_EACH')} {fe.get('item')} {w('IN')} {fe.get('list')}"
            if fe.get("sequential"):
                line += f" {w('SEQUENTIALLY')}"
            if fe.get("untilCount"):
                line += f" {w('UNTIL')} {fe.get('untilCount')} {w('DONE')}"
            elif fe.get("until"):
                line += f" {w('UNTIL')} {fe.get('until')}"
            lines.append(line)
        if t.get("run"):
            lines.append(f"  {w('RUN')} {t.get('run')}")
        lines += self.routes(el, t.get("kind") == "approval")
        return lines

    def _route_flows(self, node_id: str, num: str, seen: set[str]) -> Iterable[ET.Element]:
        """Yield every flow with a procdsl:route leaving node_id through its gateways."""
        for f in self.out_of.get(node_id, []):
            if f.find(f"{BPMN}extensionElements/{PD}route") is not None:
                yield f
            tgt = f.get("targetRef", "")
            parts = tgt.split("_")
            if tgt not in seen and parts[0] in ("Decide", "Choice", "Cap") and len(parts) > 1 \
                    and parts[1] == num:
                seen.add(tgt)
                yield from self._route_flows(tgt, num, seen)

    def routes(self, el: ET.Element, approval: bool) -> list[str]:
        w = self.w
        tid = el.get("id", "")
        flows = list(self._route_flows(tid, tid.removeprefix("Task_"), set()))
        by_index: dict[int, list[tuple[ET.Element, ET.Element]]] = {}
        for f in flows:
            r = f.find(f"{BPMN}extensionElements/{PD}route")
            assert r is not None
            by_index.setdefault(int(r.get("route", "-1")), []).append((f, r))
        lines = []
        for index in sorted(by_index):
            group = by_index[index]
            written = [(f, r) for f, r in group if r.get("way") != "cap"]
            capped = next(((f, r) for f, r in group if r.get("way") == "cap"), None)
            if not written:
                continue
            f, r = written[0]
            action, way = r.get("action", "complete"), r.get("way")
            targets = self.targets(f, r)
            cap = ""
            if r.get("atMost"):
                times = r.get("atMost", "1")
                cap = f" {w('AT_MOST')} {times} {w('TIMES')}"
                if capped is not None:
                    cap += f", {w('THEN')} -> {self.target(capped[0].get('targetRef', ''))}"
            cond = r.get("when")
            if action == "complete" and not approval:
                if way == "then":
                    lines.append(f"  {w('THEN')} {targets}{cap}")
                elif way == "otherwise" or (way == "also" and cond is None):
                    lines.append(f"  {w('OTHERWISE')} -> {targets}{cap}")
                else:
                    also = f"{w('ALSO')} " if way == "also" else ""
                    lines.append(f"  {also}{w('WHEN')} {cond} -> {targets}{cap}")
            else:
                word = w(action.upper()) if action in ("approve", "reject", "return") else action
                when = f" {w('WHEN')} {cond}" if cond is not None else ""
                lines.append(f"  {word}{when} -> {targets}{cap}")
        return lines

    def targets(self, f: ET.Element, r: ET.Element) -> str:
        tgt = f.get("targetRef", "")
        if tgt.startswith("Cap_"):
            count = next((g.get("targetRef", "") for g in self.out_of.get(tgt, [])
                          if g.get("targetRef", "").startswith("Count_")), "")
            outs = self.out_of.get(count, [])
            tgt = outs[0].get("targetRef", "") if outs else ""
            if r.get("split"):
                return self._split(tgt, r.get("split", ""))
        if r.get("split"):
            return self._split(tgt, r.get("split", ""))
        return self.target(tgt)

    def _split(self, gateway: str, split: str) -> str:
        w = self.w
        names = [self.target(g.get("targetRef", "")) for g in self.out_of.get(gateway, [])]
        head = f"{w('ALL')} {w('OF')}" if split == "parallel" else w("IN_ANY_ORDER")
        return f"{head} {', '.join(names)}"


_KNOWN_TAGS = {"documentation", "extensionElements", "laneSet", "textAnnotation", "association"}
_HELPERS = {"StartEvent", "Init", "Decide", "Choice", "Cap", "Count", "Split", "Join", "Auto",
            "Timer", "Withdraw", "Cancel", "Deadline", "End", "Task"}

# ------------------------------------------------------------------ another tool's BPMN

_NAME = re.compile(r"[^\W\d]\w*")
_CONDITION = re.compile(r"""(?:\s*(?:[^\W\d]\w*|\d+(?:\.\d+)?|"[^"\\]*"|==|!=|<=|>=|<|>|\(|\)|,))+\s*""")
_ISO = re.compile(r"P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?)?")
_MAPPED = {"userTask", "manualTask", "task", "exclusiveGateway", "parallelGateway",
           "sequenceFlow", "startEvent", "endEvent", "boundaryEvent", "laneSet", "lane",
           "flowNodeRef", "documentation", "extensionElements", "incoming", "outgoing",
           "conditionExpression", "timerEventDefinition", "timeDuration",
           "terminateEventDefinition", "errorEventDefinition", "textAnnotation", "text",
           "association"}


def _ident(text: str, fallback: str) -> str:
    """Return a spec name for text: its words joined by underscores."""
    words = re.findall(r"\w+", text)
    name = "_".join(words)
    if not name or not _NAME.fullmatch(name):
        name = fallback if not name else f"n_{name}"
    return name


class _Foreign:
    """The mapped subset of a BPMN file another tool wrote."""

    def __init__(self, root: ET.Element, process: ET.Element, diags: list[ImportDiagnostic]) -> None:
        self.root, self.p, self.diags = root, process, diags
        self.by_id = {el.get("id", ""): el for el in process.iter() if el.get("id")}
        self.flows = process.findall(f"{BPMN}sequenceFlow")
        self.out_of: dict[str, list[ET.Element]] = {}
        for f in self.flows:
            self.out_of.setdefault(f.get("sourceRef", ""), []).append(f)
        self.names: dict[str, str] = {}
        used: set[str] = set()
        for el in process.iter():
            tag = el.tag.removeprefix(BPMN)
            if tag in ("userTask", "manualTask", "task", "endEvent", "lane"):
                base = _ident(el.get("name") or el.get("id") or "", el.get("id") or "x")
                name = base
                n = 2
                while name in used:
                    name, n = f"{base}_{n}", n + 1
                used.add(name)
                self.names[el.get("id", "")] = name

    def tag(self, el: ET.Element) -> str:
        return el.tag.removeprefix(BPMN)

    def report_unmapped(self) -> None:
        for el in self.p.iter():
            if el is self.p:
                continue
            tag = self.tag(el)
            if el.tag.startswith(BPMN) and tag not in _MAPPED:
                self.diags.append(ImportDiagnostic(el.get("id", tag), f"{tag} has no spec "
                                                   "counterpart; it was not imported"))
        for f in self.flows:
            ends = [self.by_id.get(f.get(k, "")) for k in ("sourceRef", "targetRef")]
            if any(e is None or self.tag(e) not in _MAPPED for e in ends):
                self.diags.append(ImportDiagnostic(f.get("id", "sequenceFlow"), "the flow connects "
                                                   "an element that was not imported; not imported"))

    def lane_of(self, node: str) -> str | None:
        for lane in self.p.iter(f"{BPMN}lane"):
            if any((ref.text or "").strip() == node for ref in lane.findall(f"{BPMN}flowNodeRef")):
                return self.names[lane.get("id", "")]
        return None

    def reach(self, node: str, seen: set[str] | None = None) -> list[tuple[str | None, str]]:
        """Return (condition, target name) for every task or end a flow from node reaches
        through gateways (parallel gateways: every branch, no condition)."""
        seen = seen if seen is not None else set()
        out: list[tuple[str | None, str]] = []
        for f in self.out_of.get(node, []):
            tgt = f.get("targetRef", "")
            cond = self.condition(f)
            el = self.by_id.get(tgt)
            if el is None:
                continue
            if tgt in self.names:
                out.append((cond, tgt))
            elif self.tag(el).endswith("Gateway") and tgt not in seen:
                seen.add(tgt)
                out += [(cond if c is None else c, t) for c, t in self.reach(tgt, seen)]
        return out

    def condition(self, f: ET.Element) -> str | None:
        ce = f.find(f"{BPMN}conditionExpression")
        if ce is None or not (ce.text or "").strip():
            return None
        text = (ce.text or "").strip()
        if not _CONDITION.fullmatch(text):
            self.diags.append(ImportDiagnostic(f.get("id", "?"), f"condition {text!r} is not in the "
                                               "spec's condition syntax; written as otherwise", "error"))
            return None
        words = {w for w in re.findall(r'"[^"]*"|[^\W\d]\w*', text) if not w.startswith('"')}
        names = sorted(words - {"and", "or", "not", "true", "false", "in"})
        if names:
            self.diags.append(ImportDiagnostic(f.get("id", "?"), "the condition names "
                                               f"{', '.join(names)}: declare them under data"))
        return text

    def target(self, node: str) -> str:
        el = self.by_id[node]
        return f"end {self.names[node]}" if self.tag(el) == "endEvent" else self.names[node]

    def spec(self) -> str:
        self.report_unmapped()
        name = _ident(self.p.get("name") or self.p.get("id") or "process", "process")
        title = f" {_q(self.p.get('name', ''))}" if self.p.get("name") else ""
        lines = [f"process {name}{title}", "  lang en"]
        lanes = [self.names[lane.get("id", "")] for lane in self.p.iter(f"{BPMN}lane")]
        if lanes:
            lines += ["", "roles"]
            for lane in self.p.iter(f"{BPMN}lane"):
                lines.append(f"  {self.names[lane.get('id', '')]} {_q(lane.get('name') or '')}")
        for el in self.p:
            if self.tag(el) in ("userTask", "manualTask", "task"):
                lines += [""] + self.task(el)
        lines.append("")
        for el in self.p:
            if self.tag(el) == "endEvent":
                failure = el.find(f"{BPMN}terminateEventDefinition") is not None or \
                    el.find(f"{BPMN}errorEventDefinition") is not None
                title = f" {_q(el.get('name', ''))}" if el.get("name") else ""
                lines.append(f"end {self.names[el.get('id', '')]}{title} "
                             f"{'failure' if failure else 'success'}")
        return "\n".join(lines) + "\n"

    def task(self, el: ET.Element) -> list[str]:
        tid = el.get("id", "")
        title = f" {_q(el.get('name', ''))}" if el.get("name") else ""
        lines = [f"step {self.names[tid]}{title}"]
        lane = self.lane_of(tid)
        if lane is not None:
            lines.append(f"  by {lane}")
        for b in self.p.findall(f"{BPMN}boundaryEvent"):
            if b.get("attachedToRef") != tid:
                continue
            dur = b.find(f"{BPMN}timerEventDefinition/{BPMN}timeDuration")
            sla = _iso_sla((dur.text or "").strip()) if dur is not None else None
            if sla is None:
                self.diags.append(ImportDiagnostic(b.get("id", "?"), "boundary event without an "
                                                   "ISO 8601 timeDuration; not imported"))
                continue
            lines.append(f"  sla {sla}")
            for _, t in self.reach(b.get("id", "")):
                lines.append(f"    on breach goto {self.target(t)}")
        routes = self.reach(tid)
        parallel = any(self.tag(self.by_id[f.get("targetRef", "")]) == "parallelGateway"
                       for f in self.out_of.get(tid, []) if f.get("targetRef", "") in self.by_id)
        if parallel and len(routes) > 1:
            lines.append("  then all of " + ", ".join(self.target(t) for _, t in routes))
        elif len(routes) == 1 and routes[0][0] is None:
            lines.append(f"  then {self.target(routes[0][1])}")
        else:
            for c, t in routes:
                lines.append(f"  when {c} -> {self.target(t)}" if c else f"  otherwise -> {self.target(t)}")
        return lines


def _iso_sla(text: str) -> str | None:
    found = _ISO.fullmatch(text)
    if found is None or not any(found.groups()):
        return None
    weeks, days, hours, minutes = found.groups()
    parts = [(weeks, "weeks"), (days, "days"), (hours, "hours"), (minutes, "minutes")]
    given = [(Decimal(v), u) for v, u in parts if v is not None]
    if len(given) == 1:
        return f"{format(given[0][0], 'f')} {given[0][1]}"
    total = sum(v * {"weeks": 10080, "days": 1440, "hours": 60, "minutes": 1}[u] for v, u in given)
    return f"{format(total, 'f')} minutes"
