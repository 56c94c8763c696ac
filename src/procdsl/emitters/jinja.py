"""The one way emitters make a Jinja environment: strict, and overridable by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2


def make_environment(
    package_folder: str,
    filters: Mapping[str, Callable[..., Any]],
    override: Path | None = None,
) -> jinja2.Environment:
    """Return a strict environment loading ``override/NAME`` first, then the packaged
    ``procdsl/emitters/templates/<package_folder>/NAME``.

    Autoescaping is off: each target escapes explicitly through its own filters
    (Markdown, DOT, Python ``repr``), so text reaches every output through exactly one
    escaping rule.
    """
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.PackageLoader("procdsl", f"emitters/templates/{package_folder}"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(filters)
    return env
