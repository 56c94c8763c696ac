"""Run the procdsl CLI with the parser built through ``procdsl.grammar_cache``.

This is what ``procdsl`` does once ``parser._parser`` uses ``cached_lark`` (the patch
proposed in bench/FINDINGS.md); the startup section times both, so the gain is measured
before the patch lands.  Usage: ``python bench/cached_cli.py check SPEC``.
"""

from __future__ import annotations

from functools import lru_cache

import procdsl.parser as parser
from procdsl.grammar_cache import cached_lark


@lru_cache(maxsize=1)
def _cached_parser():  # type: ignore[no-untyped-def]
    return cached_lark(parser.grammar_text(), parser="lalr", lexer="contextual",
                       postlex=parser.Indenter(), propagate_positions=True,
                       maybe_placeholders=False)


if __name__ == "__main__":
    parser._parser = _cached_parser  # type: ignore[assignment]
    from procdsl.cli import main

    main()
