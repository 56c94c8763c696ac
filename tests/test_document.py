"""The document model Word, HTML and PDF are written from: the Markdown manual's content,
laid out as blocks; and the HTML page, where every text is escaped."""

from __future__ import annotations

import re
from pathlib import Path

from procdsl import model as m
from procdsl.compiler import check_text
from procdsl.doccontrol import control_for, find_settings
from procdsl.emitters.document import BulletList, Heading, Table, build_document
from procdsl.emitters.html import document_html
from procdsl.emitters.manuals import write_manual
from procdsl.emitters.markdown import emit_markdown

from .conftest import ROOT

SPEC = ROOT / "specs" / "新客户注册流程.proc"
ESCAPE_TITLE = '<script>alert(1)</script> &lt;b&gt; & "q"'
ESCAPE_SPEC = """process esc "<script>alert(1)</script> &lt;b&gt; & \\"q\\""
  version "1.0"
  owner "Ops <ops@example.com>"
  lang en

roles
  clerk "Clerk <b>bold</b> &amp;"

step entry "Entry <i>x</i> &lt;"
  by clerk
  then end done

end done "Done <u>"
"""


def load(path: Path = SPEC) -> m.Spec:
    unit = check_text(str(path.relative_to(ROOT)), path.read_bytes())
    assert unit.spec is not None
    return unit.spec


def escape_spec() -> m.Spec:
    unit = check_text("esc.proc", ESCAPE_SPEC.encode())
    assert unit.spec is not None, [d.message for d in unit.diagnostics]
    return unit.spec


def test_sections_steps_and_tables_are_the_markdown_manuals() -> None:
    spec = load()
    text = emit_markdown(spec, lang="zh")
    doc = build_document(spec, lang="zh")
    assert [s.title for s in doc.sections] == re.findall(r"^## (.*)$", text, re.M)
    h3 = [b.text for s in doc.sections for b in s.blocks if isinstance(b, Heading)]
    assert h3 == re.findall(r"^### (.*)$", text, re.M)
    raci = next(b for s in doc.sections if s.key == "raci" for b in s.blocks if isinstance(b, Table))
    assert "| " + " | ".join(raci.header) + " |" in text
    for row in raci.rows:
        assert "| " + " | ".join(row) + " |" in text
    routes = [c for s in doc.sections if s.key == "procedure" for b in s.blocks
              if isinstance(b, BulletList) for i in b.items for c in i.children if not i.check]
    assert routes and all(f"  - {r}" in text for r in routes)


def test_control_block_header_and_footer_words() -> None:
    spec = load()
    doc = build_document(spec, lang="zh", control=control_for(spec, find_settings(SPEC)))
    assert doc.control_tables[0].rows[0][1] == "QP-新客户注册-1.0"
    assert doc.header_left == "示例有限公司"
    assert doc.header_right == "文件编号：QP-新客户注册-1.0　版本：1.0"
    assert doc.page_of == "第 {page} 页 共 {pages} 页"
    assert build_document(spec, lang="en").page_of == "Page {page} of {pages}"


def test_md_format_is_the_markdown_manual() -> None:
    spec = load()
    assert write_manual(spec, fmt="md", diagram="a.svg") == \
        emit_markdown(spec, lang="zh", diagram="a.svg").encode()


def test_html_escapes_every_text() -> None:
    page = write_manual(escape_spec(), fmt="html").decode()
    assert "<script>" not in page and "<b>bold" not in page and "<i>x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt; &amp; &quot;q&quot;" in page
    assert "Clerk &lt;b&gt;bold&lt;/b&gt; &amp;amp;" in page
    assert "Ops &lt;ops@example.com&gt;" in page


def test_html_without_a_diagram_has_the_note_and_with_one_embeds_it() -> None:
    doc = build_document(load(), lang="zh", figure_note="（没有 Graphviz）")
    assert "（没有 Graphviz）" in document_html(doc, None) and "<img" not in document_html(doc, None)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (1200).to_bytes(4, "big")
           + (300).to_bytes(4, "big") + b"\x08\x06\x00\x00\x00")
    page = document_html(doc, png)
    assert page.count('src="data:image/png;base64,') == 1
    assert "section class=\"flowchart wide\"" in page  # 4:1 is shown larger on a landscape page


def test_the_build_hook_writes_each_format_asked_for() -> None:
    import pytest

    from procdsl.emitters.manuals import document_files
    from procdsl.emitters.render import dot_available

    spec = escape_spec()
    files, why = document_files(spec, "esc", ["md", "html"], draw=False)
    assert list(files) == ["esc.html"] and why == "Graphviz was not run"
    assert document_files(spec, "esc", []) == ({}, None)
    with pytest.raises(ValueError, match="unknown manual format 'odt'"):
        document_files(spec, "esc", ["odt"])
    if dot_available():
        files, why = document_files(spec, "esc", ["html"])
        assert why is None and files["esc.html"].decode().count("data:image/png;base64,") == 1
