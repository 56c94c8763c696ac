"""``python -m procdsl``: the same command line as ``procdsl``."""

from .cli import main

main()
