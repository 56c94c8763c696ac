"""graph -o FILE.pdf prints: a drawing too big for a legible A3 page becomes A3 pages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from click.testing import CliRunner

from procdsl.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)]


def test_a_big_process_prints_as_a3_landscape_pages(tmp_path: Path) -> None:
    out = tmp_path / "reg.pdf"
    result = CliRunner().invoke(cli, ["graph", str(ROOT / "specs" / "新客户注册流程.proc"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "A3 landscape pages, one phase each" in result.output
    pages = _pages(out)
    assert len(pages) >= 2
    assert all(abs(w - 1190.55) < 1 and abs(h - 841.89) < 1 for w, h in pages)  # A3 landscape
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout
    assert "CJK" in fonts and all(line.split()[-5] == "yes" for line in
                                  fonts.splitlines()[2:] if line.strip())  # embedded
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "新客户注册流程" in text and "1/" in text  # each page says which phase it is


def test_a_small_process_is_one_page_drawn_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "leave.pdf"
    result = CliRunner().invoke(cli, ["graph", str(ROOT / "specs" / "请假流程.proc"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "A3" not in result.output
    assert len(_pages(out)) == 1
