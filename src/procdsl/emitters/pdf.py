"""The manual as PDF: the HTML page (html.py) rendered by WeasyPrint, fonts embedded.

WeasyPrint needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0) and, for Chinese, a
CJK font such as Noto Sans CJK (fonts-noto-cjk).  The page loads nothing from outside:
the only URLs it may fetch are the data: URL of its own diagram.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .document import Document
from .html import document_html


class PdfError(Exception):
    """The PDF could not be made; the message says what to install or fix."""


def _fetcher() -> Any:
    """Return a URL fetcher that fetches data: URLs only (WeasyPrint 70's class, or the
    function older versions take)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 70
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"the manual loads nothing from outside ({url[:60]!r})")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=("data",))


def document_pdf(doc: Document, diagram_png: bytes | None,
                 lane_pngs: Sequence[bytes] = ()) -> bytes:
    """Return doc as PDF bytes (A4; a landscape A4 page for a wide diagram)."""
    try:
        import weasyprint
    except ImportError as err:  # the Python package, or the Pango library under it
        raise PdfError(f"PDF needs WeasyPrint and Pango ({err}); pip install 'procdsl[documents]' "
                       "and apt-get install libpango-1.0-0 libpangoft2-1.0-0") from None
    page = document_html(doc, diagram_png, lane_pngs)
    rendered = weasyprint.HTML(string=page, url_fetcher=_fetcher()).render()
    data: bytes = rendered.write_pdf(uncompressed_pdf=False)
    return mark_pdf(data, doc.notice)


def pages_pdf(pages: Sequence[bytes], title: str) -> bytes:
    """Return a PDF of A3 landscape pages, one SVG drawing (a phase of a diagram) each,
    fitted to the page and kept as vectors."""
    import base64
    import html

    try:
        import weasyprint
    except ImportError as err:
        raise PdfError(f"PDF needs WeasyPrint and Pango ({err}); pip install 'procdsl[documents]' "
                       "and apt-get install libpango-1.0-0 libpangoft2-1.0-0") from None
    images = "".join(
        '<section><img alt="" src="data:image/svg+xml;base64,'
        f'{base64.b64encode(svg).decode("ascii")}"></section>' for svg in pages)
    page = ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>"
            "@page { size: A3 landscape; margin: 10mm }"
            "section { page-break-after: always; height: 277mm; display: flex;"
            " align-items: center; justify-content: center }"
            "section:last-child { page-break-after: auto }"
            "img { max-width: 400mm; max-height: 277mm; object-fit: contain }"
            "</style></head><body>" + images + "</body></html>")
    rendered = weasyprint.HTML(string=page, url_fetcher=_fetcher()).render()
    data: bytes = rendered.write_pdf(uncompressed_pdf=False)
    return data


def mark_pdf(data: bytes, notice: str) -> bytes:
    """Return the PDF with notice as a comment line just before its last ``startxref``:
    nothing before it moves, so every offset stays right, and a build can tell its own
    PDF by the last few kilobytes (``manuals.is_generated``)."""
    at = data.rfind(b"startxref")
    if at < 0:
        raise PdfError("WeasyPrint wrote a PDF without startxref")
    line = "% " + " ".join(notice.split())
    return data[:at] + line.encode("utf-8") + b"\n" + data[at:]
