"""``python -m procdsl.lsp``: the language server on standard input and output."""

from . import main

main()
