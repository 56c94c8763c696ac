"""What a procdsl program sets up for its own process (the CLI, ``python -m procdsl.lsp``).

Library code never calls this: an application importing procdsl keeps the process as it
set it.
"""

from __future__ import annotations

import gc


def batch_collector() -> None:
    """Tune the garbage collector for a procdsl program: collect young objects every
    100,000 allocations instead of every 700.

    A compile keeps nearly everything it makes until it ends, and makes few reference
    cycles; with the default threshold the collector kept walking the growing model, so
    the emitters' time grew faster than the spec (docs/performance.md has the figures).
    Collection stays on: only how often it looks changes.
    """
    gc.set_threshold(100_000, 50, 1000)
