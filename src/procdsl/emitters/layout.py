"""Page geometry shared by the Word and PDF writers: A4, margins, and how the figure fits."""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from . import show_bidi

A4_MM = (210.0, 297.0)
MARGIN_MM = 20.0
FIGURE_ROOM_MM = 30.0  # height kept free on the figure's page for its heading and caption
PNG_DPI = 96.0  # Graphviz's PNG resolution


@dataclass(frozen=True)
class FigureFit:
    """Where the diagram goes: its size on the page (mm) and whether that page is landscape."""

    width_mm: float
    height_mm: float
    landscape: bool


def png_size(png: bytes) -> tuple[int, int]:
    """Return (width, height) in pixels of a PNG; ValueError when png is not one."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("the diagram image is not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    if not width or not height:
        raise ValueError("the diagram image is empty")
    return width, height


def fit_figure(png: bytes, landscape_page: bool | None = None) -> FigureFit:
    """Return the diagram's size on an A4 page: as large as fits the text area (never above
    its natural size), on a landscape page when that shows it markedly larger (or on the
    page landscape_page says, when given)."""
    w_px, h_px = png_size(png)
    w_mm, h_mm = w_px * 25.4 / PNG_DPI, h_px * 25.4 / PNG_DPI
    page_w, page_h = A4_MM[0] - 2 * MARGIN_MM, A4_MM[1] - 2 * MARGIN_MM - FIGURE_ROOM_MM
    land_w, land_h = A4_MM[1] - 2 * MARGIN_MM, A4_MM[0] - 2 * MARGIN_MM - FIGURE_ROOM_MM
    portrait = min(1.0, page_w / w_mm, page_h / h_mm)
    landscape = min(1.0, land_w / w_mm, land_h / h_mm)
    wide = landscape > portrait * 1.1 if landscape_page is None else landscape_page
    scale = landscape if wide else portrait
    return FigureFit(w_mm * scale, h_mm * scale, wide)


def too_small(png: bytes) -> bool:
    """Return True when the whole diagram fits its page only below half its natural size,
    too small to read on paper: then the manual adds one picture per lane."""
    w_px, _ = png_size(png)
    return fit_figure(png).width_mm < 0.5 * w_px * 25.4 / PNG_DPI


def pick_png(lane: int | None, diagram_png: bytes | None,
             lane_pngs: Sequence[bytes]) -> bytes | None:
    """Return the picture of a figure: the whole diagram (lane None) or one lane's."""
    if lane is None:
        return diagram_png
    return lane_pngs[lane] if 0 <= lane < len(lane_pngs) else None


# Characters XML 1.0 cannot hold (C0 controls but tab and line breaks, surrogates, U+FFFE/F)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plain(text: object) -> str:
    """Return spec text as shown in a document: bidi controls visible, no XML-illegal
    characters (each becomes U+FFFD), line breaks as \\n."""
    shown = show_bidi(str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("\ufffd", shown)
