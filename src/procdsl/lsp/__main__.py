"""``python -m procdsl.lsp``: the language server on standard input and output, run
exactly as ``procdsl lsp`` runs it (the same process set-up)."""

from ..cli import main

main(["lsp"])
