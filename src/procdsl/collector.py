"""Pausing Python's garbage collector around work that allocates much and frees little.

Parsing, checking and emitting make many small objects and few reference cycles; with a
big model alive, every full collection walks all of it, which made big specs
superlinear (docs/performance.md).  Pausing restores the collector as it was found.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the garbage collector for the body; leave it as it was found."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
