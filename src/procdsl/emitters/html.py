"""The manual as one self-contained HTML page, written from the document model.

Every piece of text is escaped (``html.escape``); the diagram is embedded as a data URL,
so the page loads nothing.  The CSS is written for print as well (A4, running header with
the document number, "page x of y" in the footer) and is what ``pdf.py`` renders.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from .document import BulletList, Document, Figure, Heading, Item, Paragraph, Section, Table
from .layout import A4_MM, MARGIN_MM, FigureFit, fit_figure, pick_png, plain

FONTS_ZH = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'
FONTS_EN = '"Noto Sans", "Liberation Sans", Arial, "DejaVu Sans", "Noto Sans CJK SC", sans-serif'


def esc(text: object) -> str:
    """Return spec text as HTML text: escaped, line breaks as <br>."""
    return html.escape(plain(text), quote=True).replace("\n", "<br>")


def css_string(text: str) -> str:
    """Return text as a CSS string literal."""
    out = plain(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{out}"'


def _css(doc: Document) -> str:
    fonts = FONTS_ZH if doc.lang == "zh" else FONTS_EN
    before, _, rest = doc.page_of.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    pages = (f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) "
             f"{css_string(after)}")
    w, h, m = A4_MM[0], A4_MM[1], MARGIN_MM
    return f"""
@page {{ size: {w}mm {h}mm; margin: {m}mm {m}mm {m}mm {m}mm;
  @top-left {{ content: element(head-left); width: 35%; vertical-align: bottom;
    padding-bottom: 1.5mm; margin-bottom: 4mm; border-bottom: 0.5pt solid #888; }}
  @top-right {{ content: element(head-right); width: 65%; vertical-align: bottom;
    padding-bottom: 1.5mm; margin-bottom: 4mm; border-bottom: 0.5pt solid #888; }}
  @bottom-left {{ content: element(foot-left); vertical-align: top; padding-top: 2mm; }}
  @bottom-center {{ content: {pages}; font-family: {fonts}; font-size: 8.5pt; color: #444;
    vertical-align: top; padding-top: 2mm; }} }}
@page wide {{ size: {h}mm {w}mm; }}
html {{ font-family: {fonts}; font-size: 10.5pt; line-height: 1.5; color: #111; }}
body {{ margin: 0; }}
.running {{ font-size: 8.5pt; color: #444; }}
#head-left {{ position: running(head-left); }}
#head-right {{ position: running(head-right); text-align: right; }}
#foot-left {{ position: running(foot-left); }}
.company {{ text-align: center; font-size: 12pt; margin: 0 0 2mm; }}
h1.title {{ text-align: center; font-size: 20pt; margin: 0 0 6mm; color: #1f2a44; }}
h2 {{ font-size: 14pt; margin: 6mm 0 2mm; color: #1f2a44; border-bottom: 0.75pt solid #1f2a44;
  break-after: avoid; }}
h3 {{ font-size: 11.5pt; margin: 4mm 0 1.5mm; color: #1f2a44; break-after: avoid; }}
p {{ margin: 0 0 2mm; }}
ul {{ margin: 0 0 2mm; padding-left: 6mm; }}
ul ul {{ margin: 0.5mm 0 0; }}
ul.check {{ list-style: none; padding-left: 4mm; }}
ul.check li::before {{ content: "☐ "; }}
li {{ margin: 0 0 0.8mm; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; margin: 0 0 4mm;
  font-size: 9.5pt; line-height: 1.4; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border: 0.5pt solid #666; padding: 1.2mm 1.6mm; vertical-align: top;
  overflow-wrap: break-word; }}
th {{ background: #d9e2f3; font-weight: bold; text-align: center; }}
td.center {{ text-align: center; }}
td.right {{ text-align: right; }}
table.signoff td {{ height: 8mm; }}
table.raci td {{ padding-left: 0.5mm; padding-right: 0.5mm; }}
table.raci td.center {{ white-space: nowrap; font-size: 8pt; }}
table.signoff td:first-child, table.info td:first-child {{ font-weight: bold; }}
section.flowchart {{ break-before: page; }}
section.flowchart.wide {{ page: wide; }}
section.after-wide {{ break-before: page; }}
figure {{ margin: 0; text-align: center; break-inside: avoid; }}
figure img {{ display: block; margin: 0 auto; }}
figcaption {{ font-size: 9pt; color: #444; margin-top: 2mm; }}
p.note {{ color: #555; font-style: italic; }}
"""


def document_html(doc: Document, diagram_png: bytes | None,
                  lane_pngs: Sequence[bytes] = ()) -> str:
    """Return doc as an HTML page (diagram_png embedded, or the figure's note instead;
    lane_pngs: the lane figures' pictures)."""
    fit = fit_figure(diagram_png) if diagram_png is not None else None
    lang = "zh-CN" if doc.lang == "zh" else "en"
    out = ["<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
           f"<!-- {esc(doc.notice).replace('--', '- -')} -->",
           f"<title>{esc(doc.title)}</title>", '<meta name="generator" content="procdsl">']
    for name, value in (("author", doc.control.prepared_by or doc.company),
                        ("keywords", doc.control.number), ("description", doc.notice)):
        if value:
            out.append(f'<meta name="{name}" content="{esc(value)}">')
    out += [f"<style>{_css(doc)}</style>", "</head>", "<body>",
            f'<div class="running" id="head-left">{esc(doc.header_left)}</div>',
            f'<div class="running" id="head-right">{esc(doc.header_right)}</div>',
            f'<div class="running" id="foot-left">{esc(doc.control.status_text(doc.lang))}</div>']
    if doc.company:
        out.append(f'<p class="company">{esc(doc.company)}</p>')
    out.append(f'<h1 class="title">{esc(doc.title)}</h1>')
    out += [_table(t) for t in (*doc.control_tables, doc.info)]
    if doc.description:
        out.append(f"<p>{esc(doc.description)}</p>")
    wide_before = False
    for sec in doc.sections:
        out.append(_section(sec, doc, (diagram_png, lane_pngs), fit, wide_before))
        wide_before = fit is not None and fit.landscape and sec.key == "flowchart"
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _section(sec: Section, doc: Document, pngs: tuple[bytes | None, Sequence[bytes]],
             fit: FigureFit | None, after_wide: bool) -> str:
    classes = [sec.key]
    if sec.key == "flowchart" and fit is not None and fit.landscape:
        classes.append("wide")
    if after_wide:
        classes.append("after-wide")
    parts = [f'<section class="{" ".join(classes)}">', f"<h2>{esc(sec.title)}</h2>"]
    for block in sec.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 2), 6)
            parts.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            label = f"<strong>{esc(block.label)}</strong>" if block.label else ""
            parts.append(f"<p>{label}{esc(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, BulletList):
            parts.append("<ul>" + "".join(_item(i, doc) for i in block.items) + "</ul>")
        elif isinstance(block, Figure):
            parts.append(_figure(block, pick_png(block.lane, *pngs), fit))
    parts.append("</section>")
    return "\n".join(parts)


def _figure(block: Figure, png: bytes | None, fit: FigureFit | None) -> str:
    if png is None:
        return f'<p class="note">{esc(block.note)}</p>' if block.note else ""
    if block.lane is not None or fit is None:
        fit = fit_figure(png, landscape_page=fit is not None and fit.landscape)
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{esc(block.alt)}" src="data:image/png;base64,{data}" '
            f'style="width: {fit.width_mm:.1f}mm; height: {fit.height_mm:.1f}mm">'
            f"<figcaption>{esc(block.alt)}</figcaption></figure>")


def _item(item: Item, doc: Document) -> str:
    t = doc.labels
    text = ""
    if item.label:
        gap = t.get("gap", " ") if item.text else ""
        text = f"<strong>{esc(item.label)}{esc(t.get('colon', ':'))}</strong>{esc(gap)}"
    text += esc(item.text)
    if item.children:
        cls = ' class="check"' if item.check else ""
        text += f"<ul{cls}>" + "".join(f"<li>{esc(c)}</li>" for c in item.children) + "</ul>"
    return f"<li>{text}</li>"


def _table(table: Table) -> str:
    n = len(table.header)
    weights = list(table.widths) if len(table.widths) == n else [1.0] * n
    cols = "".join(f'<col style="width: {100 * w / sum(weights):.2f}%">' for w in weights)
    head = "".join(f"<th>{esc(h)}</th>" for h in table.header)
    aligns = table.align if len(table.align) == n else ("left",) * n
    body = "".join(
        "<tr>" + "".join(f'<td class="{a}">{esc(c)}</td>' if a != "left" else f"<td>{esc(c)}</td>"
                         for c, a in zip(row, aligns, strict=True)) + "</tr>"
        for row in table.rows)
    return (f'<table class="{esc(table.kind)}"><colgroup>{cols}</colgroup>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
