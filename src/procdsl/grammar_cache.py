"""Build the Lark parser once per grammar: later runs load the saved LALR tables.

Building the tables from the grammar text takes about a quarter of a second; loading
them back takes a tenth of that.  The cache file lives in a per-user folder
(``$PROCDSL_CACHE_DIR``, else ``$XDG_CACHE_HOME/procdsl``, else ``~/.cache/procdsl``;
``%LOCALAPPDATA%\\procdsl`` on Windows; ``PROCDSL_CACHE_DIR=off`` turns caching off).
Its name is a hash of the grammar text, the parser options and the Lark and Python
versions, and Lark checks that hash again when reading it.  When the folder cannot be
created or written, or the file is damaged or half written by a concurrent run, the
parser is simply built from the grammar as if there were no cache: caching never
changes what is parsed, only how soon.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from lark import Lark
from lark import __version__ as lark_version

CACHE_ENV = "PROCDSL_CACHE_DIR"
_UNHASHED = ("postlex", "transformer", "lexer_callbacks", "edit_terminals")


def cache_dir() -> Path:
    """Return the per-user folder the parser tables are kept in."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "procdsl"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "procdsl"


def cache_key(grammar: str, options: dict[str, Any]) -> str:
    """Return the hash that names the cache file of grammar built with options."""
    shown = sorted((k, repr(v)) for k, v in options.items() if k not in _UNHASHED)
    text = "\0".join([grammar, repr(shown), lark_version, repr(sys.version_info[:2])])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cache_path(grammar: str, options: dict[str, Any]) -> Path:
    """Return where the tables of grammar built with options are (or would be) saved."""
    return cache_dir() / f"grammar-{cache_key(grammar, options)}.lark"


def _writable_folder(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def cached_lark(grammar: str, **options: Any) -> Lark:
    """Return ``Lark(grammar, **options)``, loading its LALR tables from the cache if saved."""
    if options.get("parser") != "lalr" or os.environ.get(CACHE_ENV) == "off":
        return Lark(grammar, **options)
    options.pop("cache", None)
    try:
        path = cache_path(grammar, options)
    except (OSError, RuntimeError):  # no home folder to put a cache in
        return Lark(grammar, **options)
    if not path.is_file() and not _writable_folder(path.parent):
        return Lark(grammar, **options)
    # Lark checks the hash in the file, rebuilds on any damage and ignores a failed save.
    return Lark(grammar, cache=str(path), **options)

