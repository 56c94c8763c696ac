"""The Word manual, opened with python-docx: styles, tables, the image, header and footer."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from procdsl.doccontrol import control_for, find_settings
from procdsl.emitters.document import build_document
from procdsl.emitters.layout import A4_MM, MARGIN_MM
from procdsl.emitters.manuals import draw_pictures, write_manual
from procdsl.emitters.render import dot_available

from .test_document import ESCAPE_TITLE, SPEC, escape_spec, load

docx = pytest.importorskip("docx")


@pytest.fixture(scope="module")
def word() -> tuple[bytes, object]:
    if not dot_available():
        pytest.skip("Graphviz is not installed")
    spec = load()
    pictures = draw_pictures(spec)
    assert pictures.diagram is not None, pictures.why_not
    assert len(pictures.lanes) == 11  # too big to read whole on A4: a picture per lane too
    data = write_manual(spec, fmt="docx", diagram_png=pictures.diagram, lane_pngs=pictures.lanes,
                        control=control_for(spec, find_settings(SPEC)))
    return data, docx.Document(io.BytesIO(data))


def styled(document: object, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]  # type: ignore[attr-defined]


def test_title_and_headings_use_word_styles(word: tuple[bytes, object]) -> None:
    _, document = word
    spec = load()
    doc = build_document(spec, lang="zh")
    assert styled(document, "Title") == ["新客户注册流程"]
    assert styled(document, "Heading 1") == [s.title for s in doc.sections]
    h2 = styled(document, "Heading 2")
    assert h2[:2] == ["客户（外部）", "录入员（信息录入人员）"] and "1. 客户准备个人信息和材料" in h2
    assert "List Bullet" in {p.style.name for p in document.paragraphs}  # type: ignore[attr-defined]


def test_tables_have_a_grid_style_and_a_repeated_header_row(word: tuple[bytes, object]) -> None:
    _, document = word
    tables = document.tables  # type: ignore[attr-defined]
    assert len(tables) >= 8 and {t.style.name for t in tables} == {"Table Grid"}
    first = [c.text for c in tables[0].rows[0].cells]
    assert first == ["公司名称", "文件编号", "版本", "受控状态", "生效日期", "保存期限"]
    assert [c.text for c in tables[0].rows[1].cells][:3] == ["示例有限公司", "QP-新客户注册-1.0", "1.0"]
    assert [c.text for c in tables[1].rows[0].cells] == ["项目", "编制", "审核", "批准"]
    raci = next(t for t in tables if t.rows[0].cells[0].text == "步骤" and len(t.columns) > 5)
    assert raci.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    assert len(raci.rows) == 1 + 14


def test_the_diagram_is_embedded_within_the_page(word: tuple[bytes, object]) -> None:
    data, document = word
    shapes = document.inline_shapes  # type: ignore[attr-defined]
    assert len(shapes) == 1 + 11
    section = document.sections[-1]  # type: ignore[attr-defined]
    # the whole diagram may have a landscape page of its own: it fills the widest text area
    pages = list(document.sections)  # type: ignore[attr-defined]
    width = max(s.page_width - s.left_margin - s.right_margin for s in pages)
    height = max(s.page_height - s.top_margin - s.bottom_margin for s in pages)
    assert 0.9 * width <= shapes[0].width <= width + 3600  # twips rounding: 0.1 mm
    for shape in shapes:
        assert shape.width <= width + 3600
        assert shape.height <= height
    captions = styled(document, "Caption")
    assert captions[:3] == ["流程图", "流程图：客户（外部）", "流程图：录入员"]
    assert round(section.page_width.mm) == A4_MM[0] and round(section.left_margin.mm) == MARGIN_MM
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in names)


def test_header_has_the_document_number_and_footer_page_fields(word: tuple[bytes, object]) -> None:
    _, document = word
    section = document.sections[0]  # type: ignore[attr-defined]
    assert section.header.paragraphs[0].text == "示例有限公司\t文件编号：QP-新客户注册-1.0　版本：1.0"
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("草稿") and "第 1 页 共 1 页" in footer.text
    fields = [t.text.split()[0] for t in footer._p.xpath(".//w:instrText")]
    assert fields == ["PAGE", "NUMPAGES"]
    assert len(footer._p.xpath(".//w:fldChar")) == 6


def test_without_an_image_a_note_stands_in_its_place() -> None:
    document = docx.Document(io.BytesIO(write_manual(load(), fmt="docx", diagram_png=None,
                                                     figure_note="（Graphviz 未安装）")))
    assert not document.inline_shapes
    assert "（Graphviz 未安装）" in [p.text for p in document.paragraphs]


def test_spec_text_stays_literal() -> None:
    data = write_manual(escape_spec(), fmt="docx")
    document = docx.Document(io.BytesIO(data))
    assert styled(document, "Title") == [ESCAPE_TITLE]
    assert document.core_properties.title == ESCAPE_TITLE
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt;" in body


def wide_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (4000, 900), "white")
    ImageDraw.Draw(image).rectangle((10, 10, 3990, 890), outline="black", width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_wide_diagram_gets_a_landscape_section_of_its_own() -> None:
    document = docx.Document(io.BytesIO(write_manual(load(), fmt="docx", diagram_png=wide_png())))
    from docx.enum.section import WD_ORIENT

    orient = [s.orientation for s in document.sections]
    assert orient == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    wide = document.sections[1]
    assert wide.page_width > wide.page_height
    (shape,) = document.inline_shapes
    assert shape.width <= wide.page_width - wide.left_margin - wide.right_margin + 3600  # 0.1 mm
    assert shape.width > document.sections[0].page_width - document.sections[0].left_margin * 2


def test_same_spec_same_bytes_and_the_build_can_tell_it_is_ours(tmp_path: Path) -> None:
    from procdsl.emitters.manuals import is_generated

    first = write_manual(escape_spec(), fmt="docx")
    assert write_manual(escape_spec(), fmt="docx") == first
    path = tmp_path / "esc.docx"
    path.write_bytes(first)
    assert is_generated(path)
    path.write_bytes(b"PK\x03\x04 not ours")
    assert not is_generated(path)
