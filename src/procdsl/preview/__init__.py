"""``procdsl preview SPEC``: a local page with the spec's diagram and manual side by side,
redrawn whenever the spec is saved, and its diagnostics instead when it has errors.

The page is served on a loopback address only (127.0.0.1 by default).  Clicking a step
in the diagram scrolls the manual to that step.  Needs Graphviz for the diagram (the
manual is shown alone, with a note, without it), markdown-it-py for the manual and,
for instant redraws, watchfiles (the ``lsp`` extra); without watchfiles the file is
polled four times a second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .server import Preview, loopback

__all__ = ["Preview", "loopback", "serve", "start"]


def start(path: str | Path, host: str = "127.0.0.1", port: int = 0,
          render_svg: bool = True) -> Preview:
    """Start previewing the spec at path in background threads; return the running
    preview (its ``url``; ``close()`` stops it).  Port 0 picks a free port."""
    return Preview(path, host, port, render_svg)


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 0, open_browser: bool = False,
          ready: Callable[[str], None] | None = None,
          stop: threading.Event | None = None) -> None:
    """Serve the preview of the spec at path until interrupted (Ctrl-C) or ``stop`` is set.

    ``ready`` is called with the page's URL once it is served (the command line prints
    it); with ``open_browser`` the URL is also opened in the default browser."""
    preview = start(path, host, port)
    try:
        if ready is not None:
            ready(preview.url)
        if open_browser:
            import webbrowser

            webbrowser.open(preview.url)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        preview.close()
