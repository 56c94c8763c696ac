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

Beside it, ``load_tables`` and ``save_tables`` keep the one-pass parser's tables (plain
data: see ``onepass.LarkTables``) so that a run whose blocks all parse in one pass
never loads Lark's parser at all.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from lark import Lark
from lark import __version__ as lark_version

from .writer import write_file

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


TABLES_FORMAT = 1  # bump when the shape of onepass.LarkTables.plain() changes


def tables_path(grammar: str, options: dict[str, Any]) -> Path:
    """Return where the one-pass tables of grammar built with options are (or would be) saved."""
    return cache_dir() / f"onepass-{cache_key(grammar, options)}-{TABLES_FORMAT}.marshal"


def load_tables(grammar: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """Return the one-pass tables saved for grammar and options, or None if there are none."""
    if os.environ.get(CACHE_ENV) == "off":
        return None
    try:
        key = cache_key(grammar, options)
        found = marshal.loads(tables_path(grammar, options).read_bytes())
    except (OSError, RuntimeError, EOFError, ValueError, TypeError):
        return None
    if type(found) is not tuple or len(found) != 2 or found[0] != key \
            or type(found[1]) is not dict:
        return None  # another grammar's, or damaged: build them again
    return found[1]


def save_tables(grammar: str, options: dict[str, Any], tables: dict[str, Any]) -> None:
    """Save the one-pass tables of grammar; a folder that cannot be written is skipped."""
    if os.environ.get(CACHE_ENV) == "off":
        return
    try:
        path = tables_path(grammar, options)
        if not _writable_folder(path.parent):
            return
        # whole or not at all, even with runs side by side
        write_file(path, marshal.dumps((cache_key(grammar, options), tables)))
    except (OSError, RuntimeError, ValueError):
        return
