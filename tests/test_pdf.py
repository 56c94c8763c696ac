"""The PDF manual (WeasyPrint): A4 pages that are not blank, the diagram fitted to its page,
fonts embedded, and spec text kept literal; checked by rendering pages with pdftoppm."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from procdsl.doccontrol import control_for, find_settings
from procdsl.emitters.manuals import draw_pictures, write_manual
from procdsl.emitters.render import dot_available

from .test_document import ESCAPE_TITLE, SPEC, escape_spec, load

pytest.importorskip("weasyprint")
PDF_TOOLS = ("pdftoppm", "pdfinfo", "pdftotext", "pdffonts", "pdfimages")
if any(shutil.which(tool) is None for tool in PDF_TOOLS):
    pytest.skip("poppler-utils (pdftoppm) is not installed", allow_module_level=True)

A4_PT = (595.28, 841.89)


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not dot_available():
        pytest.skip("Graphviz is not installed")
    spec = load()
    pictures = draw_pictures(spec)
    assert pictures.diagram is not None, pictures.why_not
    path = tmp_path_factory.mktemp("pdf") / "manual.pdf"
    path.write_bytes(write_manual(spec, fmt="pdf", diagram_png=pictures.diagram,
                                  lane_pngs=pictures.lanes,
                                  control=control_for(spec, find_settings(SPEC))))
    return path


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = run("pdfinfo", "-f", "1", "-l", "999", str(path))
    return [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)]


def test_every_page_is_a4_and_not_blank(pdf: Path) -> None:
    from PIL import Image

    sizes = page_sizes(pdf)
    assert len(sizes) >= 5
    for w, h in sizes:
        assert sorted((round(w, 1), round(h, 1))) == [round(A4_PT[0], 1), round(A4_PT[1], 1)]
    run("pdftoppm", "-r", "20", "-gray", "-png", str(pdf), str(pdf.with_name("page")))
    pages = sorted(pdf.parent.glob("page-*.png"))
    assert len(pages) == len(sizes)
    for page in pages:
        image = Image.open(page)
        w, h = image.size
        assert abs(w / h - 210 / 297) < 0.02 or abs(h / w - 210 / 297) < 0.02
        dark = sum(image.convert("L").histogram()[:200])
        assert dark > 0.01 * w * h, f"{page.name} is (nearly) blank"


def test_the_diagram_fits_its_page(pdf: Path) -> None:
    listing = [row for row in run("pdfimages", "-list", str(pdf)).splitlines()[2:]
               if row.split()[2] == "image"]  # their alpha channels are listed as "smask"
    assert len(listing) == 1 + 11  # the whole diagram, then one picture per lane
    sizes = page_sizes(pdf)
    margin = 20 / 25.4 * 72
    for i, row in enumerate(listing):
        cols = row.split()
        page, width_px, height_px, x_ppi, y_ppi = (int(cols[0]), int(cols[3]), int(cols[4]),
                                                   int(cols[12]), int(cols[13]))
        page_w, page_h = sizes[page - 1]
        shown_w, shown_h = width_px / x_ppi * 72, height_px / y_ppi * 72  # points
        # pdfimages rounds the resolution to whole ppi: 1 % of slack
        assert shown_w <= 1.01 * (page_w - 2 * margin) and shown_h <= 1.01 * (page_h - 2 * margin)
        if i == 0:
            assert shown_w >= 0.9 * (page_w - 2 * margin) or shown_h >= 0.7 * (page_h - 2 * margin)
            assert "6. 流程图" in run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")


def test_fonts_are_embedded_and_chinese_text_is_text(pdf: Path) -> None:
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and any("CJK" in f for f in fonts)
    assert all(f.split()[-5] == "yes" for f in fonts)  # the emb column
    text = re.sub(r"\s+", "", run("pdftotext", "-f", "1", "-l", "1", str(pdf), "-"))
    for words in ("新客户注册流程", "QP-新客户注册-1.0", "示例有限公司", "编制", "草稿", "第1页共"):
        assert words in text


def test_spec_text_stays_literal_and_no_diagram_leaves_a_note(tmp_path: Path) -> None:
    path = tmp_path / "esc.pdf"
    path.write_bytes(write_manual(escape_spec(), fmt="pdf", figure_note="(no Graphviz here)"))
    text = run("pdftotext", str(path), "-")
    assert ESCAPE_TITLE in text and "Clerk <b>bold</b> &amp;" in text
    assert "(no Graphviz here)" in text
    assert not run("pdfimages", "-list", str(path)).splitlines()[2:]


def test_a_wide_diagram_is_on_a_landscape_a4_page(tmp_path: Path) -> None:
    from .test_docx import wide_png

    path = tmp_path / "wide.pdf"
    path.write_bytes(write_manual(escape_spec(), fmt="pdf", diagram_png=wide_png()))
    sizes = page_sizes(path)
    (image,) = [row.split() for row in run("pdfimages", "-list", str(path)).splitlines()[2:]
                if row.split()[2] == "image"]
    page = int(image[0])
    w, h = sizes[page - 1]
    assert w > h and (round(w, 1), round(h, 1)) == (round(A4_PT[1], 1), round(A4_PT[0], 1))
    assert all(sw < sh for i, (sw, sh) in enumerate(sizes) if i != page - 1)
    assert int(image[3]) / int(image[12]) * 72 <= w - 2 * 20 / 25.4 * 72 + 1


def test_same_spec_same_bytes_and_the_build_can_tell_it_is_ours(tmp_path: Path) -> None:
    from procdsl.emitters.manuals import is_generated

    first = write_manual(escape_spec(), fmt="pdf")
    assert write_manual(escape_spec(), fmt="pdf") == first
    path = tmp_path / "esc.pdf"
    path.write_bytes(first)
    assert is_generated(path)
    run("pdfinfo", str(path))  # the notice comment leaves the file valid
    path.write_bytes(first.replace(b"generated by procdsl", b"written by someone"))
    assert not is_generated(path)
