"""The operating manual as a structured document: the model Word, HTML and PDF are written from.

``build_document`` lays out the very views the Markdown manual's templates render (the
context of ``markdown.manual_context``: steps, roles, RACI, approvals, time limits, forms...)
as blocks: headings, paragraphs, tables, lists and the figure.  Nothing about routes,
lanes or deadlines is worked out here.  Text stays plain (unescaped); each writer
(docx.py, html.py, pdf.py) escapes it for its own format.  ``manuals.write_manual``
returns the manual in any format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import model as m
from ..doccontrol import DocumentControl, control_for, control_tables
from . import header_text
from . import markdown as md

# ------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (line breaks kept); label, when given, is shown bold first."""

    text: str
    label: str | None = None


@dataclass(frozen=True)
class Table:
    """A table with a header row; align has one of 'left'/'center'/'right' per column."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...] = ()
    widths: tuple[float, ...] = ()  # relative column widths (empty: equal)
    kind: str = "table"  # "control", "signoff", "info" or "table": writers may style by kind


@dataclass(frozen=True)
class Item:
    """A list item: an optional bold label, its text, and nested items (checkboxes when check)."""

    text: str
    label: str | None = None
    children: tuple[str, ...] = ()
    check: bool = False


@dataclass(frozen=True)
class BulletList:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (level 3: a step, a role, a rule table)."""

    text: str
    level: int = 3


@dataclass(frozen=True)
class Figure:
    """The flowchart, or one lane of it: the image comes with the writer's call (the whole
    diagram when lane is None, else the lane-th lane picture); note is shown without one."""

    alt: str
    note: str
    lane: int | None = None


Block = Paragraph | Table | BulletList | Heading | Figure


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    heading: str
    blocks: tuple[Block, ...]

    @property
    def title(self) -> str:
        return f"{self.number}. {self.heading}"


@dataclass(frozen=True)
class Document:
    """One manual: title block, document-control block, the numbered sections."""

    lang: str
    title: str
    company: str | None
    control: DocumentControl
    control_tables: tuple[Table, ...]
    info: Table
    description: str | None
    sections: tuple[Section, ...]
    header_left: str  # running header: company (or title) ...
    header_right: str  # ... and document number with version
    page_of: str  # "第 {page} 页 共 {pages} 页" / "Page {page} of {pages}"
    notice: str  # the generated-file notice (document properties, HTML comment)
    labels: dict[str, str] = field(repr=False, default_factory=dict)


# ------------------------------------------------------------------ building


def _paren(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def build_document(spec: m.Spec, *, lang: str, control: DocumentControl | None = None,
                   figure_note: str | None = None, lanes: Sequence[str] = ()) -> Document:
    """Return the manual of spec in lang as a Document (the Markdown manual's content);
    lanes names the lane pictures that follow the whole diagram (none by default)."""
    t = md.Words(md.load_labels(None, lang))
    control = control or control_for(spec)
    c = md.manual_context(spec, lang, t, None, None, control)
    b = _Builder(c, t, lang, figure_note or t["no_diagram"], tuple(lanes))
    p = spec.process
    sections = tuple(Section(s.number, s.key, s.heading, tuple(b.section(s.key)))
                     for s in c["sections"])  # type: ignore[attr-defined]
    cal = spec.process_calendar
    none = t["none"]
    info = Table((t["item"], t["details"]), (
        (t["process_name"], p.name.text if lang == "zh" else p.label), (t["version"], p.version or t["unversioned"]),
        (t["owner"], p.owner or none), (t["process_sla"], str(c["process_sla"] or none)),
        (t["calendar"], (cal.title or cal.name.text) if cal else none),
        (t["first_step"], str(c["first_step"] or none))), widths=(1, 3), kind="info")
    (fh, fr), (sh, sr) = control_tables(control, lang, t)
    tables = (Table(fh, fr, widths=(1.4, 2.0, 0.9, 0.9, 1.1, 1), kind="control"),
              Table(sh, sr, kind="signoff"))
    facts = [(t["doc_number"], control.number), (t["version"], control.version or t["unversioned"])]
    right = ("　" if lang == "zh" else " · ").join(
        f"{label}{t['colon']}{t['gap']}{value}" for label, value in facts if value)
    return Document(lang=lang, title=p.label, company=control.company, control=control,
                    control_tables=tables, info=info, description=p.description,
                    sections=sections, header_left=control.company or p.label,
                    header_right=right, page_of=t["page_of"], notice=header_text(spec.path),
                    labels=dict(t))


class _Builder:
    """Lays out one section's views (the context the templates get) as blocks."""

    def __init__(self, c: dict[str, object], t: dict[str, str], lang: str, note: str,
                 lanes: tuple[str, ...]) -> None:
        self.c, self.t, self.lang, self.note, self.lanes = c, t, lang, note, lanes
        self.basis: tuple[str, ...] = (t["basis"],) if c["has_provenance"] else ()

    def paren(self, text: str) -> str:
        return _paren(text, self.lang)

    def section(self, key: str) -> list[Block]:
        return list(getattr(self, f"_{key}")())

    def _rows(self, rows: object) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(r.cells) for r in rows)  # type: ignore[attr-defined]

    def _purpose(self) -> list[Block]:
        return [Paragraph(self.c["process"].purpose)]  # type: ignore[attr-defined]

    def _scope(self) -> list[Block]:
        return [Paragraph(self.c["process"].scope)]  # type: ignore[attr-defined]

    def _terms(self) -> list[Block]:
        t, out = self.t, list[Block]()
        if self.c["glossary"]:
            out.append(Table((t["term"], t["term_definition"]), self._rows(self.c["glossary"]),
                             widths=(1, 3)))
        if self.c["terms"]:
            out.append(Table((t["field"], t["type"], t["meaning"], t["set_by"]),
                             self._rows(self.c["terms"]), widths=(1, 1.2, 2, 1.6)))
        return out

    def _roles(self) -> list[Block]:
        t, out = self.t, list[Block]()
        roles: Sequence[md.RoleView] = self.c["roles"]  # type: ignore[assignment]
        for role in roles:
            head = role.name + (self.paren(role.title) if role.title else "") + \
                (self.paren(t["external"]) if role.external else "")
            out.append(Heading(head))
            if role.description:
                out.append(Paragraph(role.description))
            items = [Item(d.text, d.label) for d in role.duties] or [Item(t["no_duties"])]
            out.append(BulletList(tuple(items)))
        return out or [Paragraph(t["no_roles"])]

    def _raci(self) -> list[Block]:
        columns: tuple[str, ...] = tuple(self.c["raci_columns"])  # type: ignore[arg-type]
        align = ("left",) + ("center",) * (len(columns) - 3) + ("left", "left")
        # the last two columns are the escalation and the notes (sentences): give them room
        widths = (max(3.0, 0.4 * len(columns)),) + (1.1,) * (len(columns) - 3) + (1.5, 3.2)
        return [Table(columns, self._rows(self.c["raci_rows"]), align, widths, kind="raci"),
                Paragraph(self.t["raci_legend"])]

    def _flowchart(self) -> list[Block]:
        out: list[Block] = [Figure(self.t["diagram_alt"], self.note)]
        if self.lanes:
            out.append(Paragraph(self.t["lane_figures"]))
            out += [Figure(f"{self.t['diagram_alt']}{self.t['colon']}{self.t['gap']}{label}", "", i)
                    for i, label in enumerate(self.lanes)]
        return out

    def _procedure(self) -> list[Block]:
        t, out = self.t, list[Block]()
        if self.c["has_provenance"]:
            out.append(Paragraph(t["provenance_note"]))
        steps: Sequence[md.StepView] = self.c["steps"]  # type: ignore[assignment]
        for step in steps:
            if step.first_exception:
                out += [Heading(t["exception_steps"]), Paragraph(t["exception_steps_note"])]
            out.append(Heading(f"{step.number}. {step.label}"))
            out += [Paragraph(text) for text in step.paragraphs]
            items = [Item(f.text, f.label) for f in step.facts]
            if step.checklist:
                items.append(Item("", t["checklist"], tuple(step.checklist), check=True))
            if step.routes:
                items.append(Item(step.route_note or "", t["next"], tuple(step.routes)))
            else:
                items.append(Item(t["branch_ends"], t["next"]))
            out.append(BulletList(tuple(items)))
        out.append(Heading(t["ends"]))
        ends: Sequence[m.End] = self.c["ends"]  # type: ignore[assignment]
        items = []
        for end in ends:
            name = end.label + (self.paren(end.name.text) if self.lang == "zh" and end.title
                                and end.title != end.name.text else "")
            text = t["success"] if end.success else t["failure"]
            if end.description:
                text += t["sep"] + end.description
            items.append(Item(text, name))
        out.append(BulletList(tuple(items)))
        return out

    def _approvals(self) -> list[Block]:
        t, out = self.t, list[Block]()
        if self.c["approvals"]:
            out.append(Table((t["approval"], t["mode"], t["approvers"], t["extra"], t["exclusions"],
                              *self.basis), self._rows(self.c["approvals"]),
                             widths=(1.6, 1, 1.6, 1.4, 1.8, 1.4)[:5 + len(self.basis)]))
        rules: Sequence[md.RuleView] = self.c["rules"]  # type: ignore[assignment]
        for rule in rules:
            out.append(Heading(f"{t['rule_table']}{t['colon']}{t['gap']}{rule.title or rule.name}"
                               + (self.paren(rule.name) if rule.title else "")))
            if rule.description:
                out.append(Paragraph(rule.description))
            out.append(Table((t["no"], t["condition"], t["result"], *self.basis),
                             self._rows(rule.rows), ("right", "left", "left", "left")[:3 + len(self.basis)],
                             (0.5, 4, 2, 1.6)[:3 + len(self.basis)]))
        return out

    def _timing(self) -> list[Block]:
        t, out = self.t, list[Block]()
        if self.c["timing"]:
            out.append(Table((t["step"], t["sla"], t["reminder"], t["on_breach"], *self.basis),
                             self._rows(self.c["timing"]),
                             widths=(1.6, 1, 1.2, 2.4, 1.4)[:4 + len(self.basis)]))
        else:
            out.append(Paragraph(t["no_sla"]))
        cal = self.c["calendar"]
        if isinstance(cal, m.Calendar):
            out.append(Paragraph(cal.title or cal.name.text, t["calendar"] + t["colon"]))
            lines: Sequence[str] = self.c["calendar_lines"]  # type: ignore[assignment]
            out.append(BulletList(tuple(Item(line) for line in lines)))
            out.append(Paragraph(t["working_time_note"]))
        return out

    def _others(self) -> list[Block]:
        lines: Sequence[str] = self.c["others"]  # type: ignore[assignment]
        return [BulletList(tuple(Item(line) for line in lines))]

    def _forms(self) -> list[Block]:
        t = self.t
        if not self.c["forms"]:
            return [Paragraph(t["no_forms"])]
        return [Table((t["document"], t["produced_by"], t["used_by"]), self._rows(self.c["forms"]))]

    def _exceptions(self) -> list[Block]:
        t = self.t
        if not self.c["exceptions"]:
            return [Paragraph(t["no_exceptions"])]
        return [Table((t["situation"], t["handling"]), self._rows(self.c["exceptions"]),
                      widths=(2, 3))]

    def _kpis(self) -> list[Block]:
        t = self.t
        rows = self._rows(self.c["kpis"])
        return [Table((t["indicator"], t["definition"], t["target"], t["basis"]), rows,
                      widths=(1.6, 2.4, 0.8, 1.2)), Paragraph(t["kpi_note"])]

    def _records(self) -> list[Block]:
        t = self.t
        return [Table((t["record_no"], t["record"], t["keeper"], t["retention"]),
                      self._rows(self.c["records"]), widths=(1.4, 2, 1.4, 1))]

    def _attachments(self) -> list[Block]:
        t = self.t
        return [Paragraph(t["attachment_note"]),
                Table((t["attachment_no"], t["document"]), self._rows(self.c["attachments"]),
                      widths=(1, 3))]

    def _references(self) -> list[Block]:
        refs: Sequence[str] = self.c["process"].references  # type: ignore[attr-defined]
        return [BulletList(tuple(Item(r) for r in refs))]

    def _revision(self) -> list[Block]:
        t = self.t
        return [Table((t["version"], t["date"], t["change"], t["author"], t["approved_by"]),
                      self._rows(self.c["revisions"]), widths=(0.8, 1.1, 3, 1.2, 1.2))]
