"""``python -m procdsl.lsp``: the language server on standard input and output, in a
process set up as ``procdsl lsp`` sets it."""

from ..process import batch_collector
from .server import main

batch_collector()
main()
