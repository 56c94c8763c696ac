"""The procdsl language server: ``procdsl lsp`` or ``python -m procdsl.lsp`` (stdio).

Needs the ``lsp`` extra (pygls, lsprotocol); see docs/editors.md for editor set-ups.
"""

from __future__ import annotations


def main() -> None:
    """Run the language server on standard input and output."""
    from .server import main as run

    run()
