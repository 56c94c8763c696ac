"""The documentation that ships inside the package, for ``procdsl docs [TOPIC]``.

A wheel carries ``docs/*.md`` as ``procdsl/docs/`` (pyproject's force-include); a
checkout or an editable install reads the repository's ``docs/`` folder instead.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

SUFFIX = ".md"


def _folder() -> Traversable:
    packaged = resources.files("procdsl").joinpath("docs")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "docs"  # a checkout or editable install


def topics() -> dict[str, Traversable]:
    """Return every topic (a document's name without .md) and its file, sorted by name."""
    folder = _folder()
    if not folder.is_dir():
        return {}
    found = {item.name[: -len(SUFFIX)]: item for item in folder.iterdir()
             if item.name.endswith(SUFFIX) and item.is_file()}
    return dict(sorted(found.items()))


def title(text: str) -> str:
    """Return the document's first heading (its title), or '' when it has none."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def read(topic: str) -> str | None:
    """Return the text of a topic, or None when there is no such topic."""
    item = topics().get(topic.removesuffix(SUFFIX))
    return item.read_text(encoding="utf-8") if item is not None else None
