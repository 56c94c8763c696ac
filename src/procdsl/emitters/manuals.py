"""The manual in any format: Markdown, Word, HTML or PDF (``procdsl manual --format``).

docs/documents.md describes the formats and the document control they carry.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from .. import model as m
from ..doccontrol import DocumentControl
from . import GENERATED_MARK
from . import markdown as md
from .document import build_document
from .layout import too_small

Format = Literal["md", "docx", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "docx", "html", "pdf")
SUFFIXES: dict[str, str] = {"md": ".md", "docx": ".docx", "html": ".html", "pdf": ".pdf"}


def write_manual(spec: m.Spec, *, lang: str | None = None, fmt: Format = "md",
                 diagram_png: bytes | None = None, control: DocumentControl | None = None,
                 lane_pngs: Sequence[tuple[str, bytes]] = (), diagram: str | None = None,
                 mermaid: str | None = None, figure_note: str | None = None) -> bytes:
    """Return the manual of spec as fmt: 'md' (the Markdown manual, with diagram as its
    image link and mermaid as its flowchart text), 'docx', 'html' or 'pdf' (diagram_png
    embedded as the flowchart, then each (label, png) of lane_pngs as a picture of its
    own; without diagram_png figure_note, or a standard note, stands there).

    control is the document control (procdsl.doccontrol.control_for); default: the spec's."""
    lang = lang or spec.lang
    if fmt == "md":
        return md.emit_markdown(spec, lang=lang, diagram=diagram, mermaid=mermaid,
                                control=control).encode("utf-8")
    doc = build_document(spec, lang=lang, control=control, figure_note=figure_note,
                         lanes=[label for label, _ in lane_pngs])
    lanes = [png for _, png in lane_pngs]
    if fmt == "docx":
        from .docx import document_docx

        return document_docx(doc, diagram_png, lanes)
    if fmt == "html":
        from .html import document_html

        return document_html(doc, diagram_png, lanes).encode("utf-8")
    if fmt == "pdf":
        from .pdf import document_pdf

        return document_pdf(doc, diagram_png, lanes)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


@dataclass(frozen=True)
class Pictures:
    """The flowchart as PNG (None: why_not says why), and one PNG per lane when the whole
    diagram would be too small to read on an A4 page (else none)."""

    diagram: bytes | None
    lanes: tuple[tuple[str, bytes], ...]
    why_not: str | None


def draw_pictures(spec: m.Spec, lang: str | None = None, direction: str = "LR") -> Pictures:
    """Return the pictures of spec's flowchart for a Word or PDF manual, drawn by Graphviz."""
    from .diagram import build_diagram
    from .dot import diagram_dot
    from .lanes import lane_diagram
    from .render import RenderError, render

    lang = lang or spec.lang
    diagram = build_diagram(spec, lang)
    try:
        whole = render(diagram_dot(diagram, lang, direction), "png")
        lanes: tuple[tuple[str, bytes], ...] = ()
        if too_small(whole) and len(diagram.lanes) > 1:
            lanes = tuple((lane.label, render(diagram_dot(lane_diagram(diagram, lane), lang,
                                                           direction), "png"))
                          for lane in diagram.lanes)
    except RenderError as err:
        return Pictures(None, (), str(err))
    return Pictures(whole, lanes, None)


def diagram_png(spec: m.Spec, lang: str | None = None) -> tuple[bytes | None, str | None]:
    """Return (the whole flowchart as PNG, None), or (None, why not) without Graphviz."""
    pictures = draw_pictures(spec, lang)
    return pictures.diagram, pictures.why_not


def document_files(spec: m.Spec, stem: str, formats: Sequence[str], *,
                   control: DocumentControl | None = None, draw: bool = True,
                   lang: str | None = None) -> tuple[dict[str, bytes], str | None]:
    """Return the Word/HTML/PDF manuals of one spec for a build, keyed STEM.docx, STEM.pdf...,
    and why their figure is missing (None when drawn).

    formats holds 'docx', 'html' and/or 'pdf' ('md' is left to the build's own manual);
    draw False: Graphviz is not run (a note stands in place of the figure)."""
    wanted = [f for f in formats if f != "md"]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown manual format {unknown[0]!r}; use " + ", ".join(FORMATS[1:]))
    if not wanted:
        return {}, None
    pictures = draw_pictures(spec, lang) if draw else Pictures(None, (), "Graphviz was not run")
    files = {f"{stem}{SUFFIXES[f]}": write_manual(spec, lang=lang, fmt=cast(Format, f),
                                                   diagram_png=pictures.diagram,
                                                   lane_pngs=pictures.lanes, control=control)
             for f in wanted}
    return files, pictures.why_not


def is_generated(path: Path) -> bool:
    """Return True when path is a Word or PDF manual procdsl wrote (its notice is in the
    document properties of a .docx, in a comment near the end of a .pdf)."""
    mark = GENERATED_MARK.encode()
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if data.startswith(b"%PDF-"):
        return mark in data[-4096:]
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                return mark in package.read("docProps/core.xml")
        except (zipfile.BadZipFile, KeyError):
            return False
    return False
