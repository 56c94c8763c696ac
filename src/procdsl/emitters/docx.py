"""The manual as a Word document (python-docx), written from the document model.

Real Word styles throughout (Title, Heading 1-3, List Bullet, Table Grid with a repeated,
shaded header row), A4 pages, a running header with the document number and a footer
with "page x of y" as PAGE and NUMPAGES fields, and the diagram embedded as a PNG sized
to the page (on a landscape page when that shows it markedly larger).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt, RGBColor

from .document import BulletList, Document, Figure, Heading, Item, Paragraph, Section, Table
from .layout import A4_MM, MARGIN_MM, fit_figure, pick_png, plain

_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}
# East Asian fonts named in the styles: Word on Windows has these; elsewhere the viewer
# substitutes its own CJK font (LibreOffice with fontconfig: Noto Sans CJK).
_BODY_CJK, _HEADING_CJK = "SimSun", "SimHei"


def document_docx(doc: Document, diagram_png: bytes | None,
                  lane_pngs: Sequence[bytes] = ()) -> bytes:
    """Return doc as the bytes of a .docx file (lane_pngs: the lane figures' pictures)."""
    word = new_document()
    _styles(word, doc.lang)
    section = word.sections[0]
    _page(section, landscape=False)
    _header_footer(section, doc)
    props = word.core_properties
    props.title, props.subject = plain(doc.title), plain(doc.labels.get("procedure", ""))
    props.identifier = plain(doc.control.number or "")
    props.version = plain(doc.control.version or "")
    props.author = plain(doc.control.prepared_by or doc.company or "")
    props.keywords = plain(doc.control.status_text(doc.lang))
    props.comments = plain(doc.notice)

    if doc.company:
        para = word.add_paragraph(plain(doc.company))
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    word.add_paragraph(plain(doc.title), style="Title")
    for table in doc.control_tables:
        _table(word, table)
    _table(word, doc.info)
    if doc.description:
        _paragraph(word, Paragraph(doc.description))
    for sec in doc.sections:
        _section(word, sec, doc, diagram_png, lane_pngs)
    if doc.control.effective:
        day = dt.datetime.combine(dt.date.fromisoformat(doc.control.effective), dt.time())
        props.created = props.modified = day
    out = io.BytesIO()
    word.save(out)
    return _fixed_zip(out.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Return the package with every member dated 1980-01-01: the same manual, the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            new.writestr(member, old.read(info))
    return out.getvalue()


# ------------------------------------------------------------------ page, header, footer


def _page(section: Any, landscape: bool) -> None:
    short, long = Mm(A4_MM[0]), Mm(A4_MM[1])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    section.header_distance = section.footer_distance = Mm(8)


def _header_footer(section: Any, doc: Document) -> None:
    head = section.header.paragraphs[0]
    head.text = ""
    head.style = "Header"
    head.add_run(plain(doc.header_left))
    head.add_run("\t" + plain(doc.header_right))
    stops = head.paragraph_format.tab_stops
    for inherited in (Inches(3.25), Inches(6.5)):  # the Header style's centre and right tabs
        stops.add_tab_stop(inherited, WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(A4_MM[0] - 2 * MARGIN_MM), WD_TAB_ALIGNMENT.RIGHT)
    _border(head, "bottom")
    foot = section.footer.paragraphs[0]
    foot.style = "Footer"
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    status = doc.control.status_text(doc.lang)
    foot.add_run(f"{plain(status)}    ")
    pattern = doc.page_of
    before, _, rest = pattern.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    foot.add_run(before)
    _field(foot, "PAGE")
    foot.add_run(middle)
    _field(foot, "NUMPAGES")
    foot.add_run(after)


def _field(paragraph: Any, instruction: str) -> None:
    """Append a complex field (begin, instruction, separate, shown value, end)."""
    def char(kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run().element.append(el)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} \\* MERGEFORMAT "
    paragraph.add_run().element.append(instr)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _border(paragraph: Any, side: str) -> None:
    ppr = paragraph._element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "808080")):
        line.set(qn(key), value)
    borders.append(line)
    ppr.append(borders)


# ------------------------------------------------------------------ styles


def _styles(word: Any, lang: str) -> None:
    styles = word.styles
    for name, size, cjk in (("Normal", 10.5, _BODY_CJK), ("Title", 22, _HEADING_CJK),
                            ("Heading 1", 15, _HEADING_CJK), ("Heading 2", 13, _HEADING_CJK),
                            ("Heading 3", 11.5, _HEADING_CJK)):
        style = styles[name]
        style.font.size = Pt(size)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0x1F, 0x2A, 0x44)
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        rfonts.set(qn("w:eastAsia"), cjk)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if theme != "w:asciiTheme" or name == "Normal":
                rfonts.attrib.pop(qn(theme), None)
    rpr = styles["Normal"].element.get_or_add_rPr()
    lang_el = OxmlElement("w:lang")
    lang_el.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-GB")
    lang_el.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang_el)
    styles["Normal"].paragraph_format.space_after = Pt(4)


# ------------------------------------------------------------------ blocks


def _section(word: Any, sec: Section, doc: Document, png: bytes | None,
             lane_pngs: Sequence[bytes]) -> None:
    whole = any(isinstance(b, Figure) and b.lane is None for b in sec.blocks)
    fit = fit_figure(png) if png is not None and whole else None
    if fit is not None and fit.landscape:
        _new_section(word, landscape=True)
    heading = word.add_heading(plain(sec.title), level=1)
    if whole and not (fit is not None and fit.landscape):  # the flowchart starts a page
        heading.paragraph_format.page_break_before = True
    for block in sec.blocks:
        if isinstance(block, Heading):
            word.add_heading(plain(block.text), level=min(block.level - 1, 3))
        elif isinstance(block, Paragraph):
            _paragraph(word, block)
        elif isinstance(block, Table):
            _table(word, block)
        elif isinstance(block, BulletList):
            for item in block.items:
                _item(word, item, doc)
        else:
            picture = pick_png(block.lane, png, lane_pngs)
            if picture is None:
                if block.note:
                    _paragraph(word, Paragraph(block.note))
                continue
            size = fit if block.lane is None and fit is not None else \
                fit_figure(picture, landscape_page=fit is not None and fit.landscape)
            para = word.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            para.paragraph_format.keep_with_next = True
            para.add_run().add_picture(io.BytesIO(picture), width=Mm(size.width_mm),
                                       height=Mm(size.height_mm))
            caption = word.add_paragraph(plain(block.alt), style="Caption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if fit is not None and fit.landscape:
        _new_section(word, landscape=False)


def _new_section(word: Any, landscape: bool) -> None:
    section = word.add_section(WD_SECTION.NEW_PAGE)  # header and footer follow the first
    _page(section, landscape)


def _lines(paragraph: Any, text: str, bold: bool = False) -> None:
    for i, line in enumerate(plain(text).split("\n")):
        run = paragraph.add_run(line)
        run.bold = bold or None
        if i:
            run.element.insert(0, OxmlElement("w:br"))


def _paragraph(word: Any, block: Paragraph) -> None:
    para = word.add_paragraph()
    if block.label:
        _lines(para, block.label, bold=True)
        if block.text:
            para.add_run(" " if not block.label.endswith(("：", ":")) else "")
    _lines(para, block.text)


def _item(word: Any, item: Item, doc: Document) -> None:
    para = word.add_paragraph(style="List Bullet")
    t = doc.labels
    if item.label:
        _lines(para, item.label + t.get("colon", ":") + (t.get("gap", " ") if item.text else ""),
               bold=True)
    if item.text:
        _lines(para, item.text)
    for child in item.children:
        sub = word.add_paragraph(style="List Bullet 2")
        _lines(sub, ("☐ " if item.check else "") + child)


def _table(word: Any, table: Table) -> None:
    columns = len(table.header)
    grid = word.add_table(rows=1, cols=columns)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    weights = list(table.widths) if len(table.widths) == columns else [1.0] * columns
    total = A4_MM[0] - 2 * MARGIN_MM
    widths = [Mm(total * w / sum(weights)) for w in weights]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice reads it), and each cell below (Word)
    header = grid.rows[0]
    _repeat_header(header)
    for i, text in enumerate(table.header):
        _cell(header.cells[i], text, widths[i], "center", head=True)
    for row in table.rows:
        cells = grid.add_row().cells
        for i, text in enumerate(row):
            align = table.align[i] if len(table.align) == columns else "left"
            _cell(cells[i], text, widths[i], align, head=False,
                  bold=i == 0 and table.kind in ("signoff", "info"))
        if table.kind == "signoff":
            grid.rows[-1].height = Mm(9)
    word.add_paragraph()  # Word runs adjacent tables together; a paragraph keeps them apart


def _cell(cell: Any, text: str, width: Any, align: str, head: bool, bold: bool = False) -> None:
    cell.width = width
    para = cell.paragraphs[0]
    para.alignment = _ALIGN.get(align, WD_ALIGN_PARAGRAPH.LEFT)
    para.paragraph_format.space_after = Pt(0)
    _lines(para, text, bold=head or bold)
    if head:
        shade = OxmlElement("w:shd")
        for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "D9E2F3")):
            shade.set(qn(key), value)
        cell._element.get_or_add_tcPr().append(shade)


def _repeat_header(row: Any) -> None:
    trpr = row._element.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)
