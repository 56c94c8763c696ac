"""The one way emitters make a Jinja environment: strict, and overridable by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2


def make_environment(
    package_folder: str,
    filters: Mapping[str, Callable[..., Any]],
    override: Path | None = None,
    *,
    auto_reload: bool = True,
    inline: tuple[tuple[str, str], ...] = (),
) -> jinja2.Environment:
    """Return a strict environment loading ``override/NAME`` first, then the packaged
    ``procdsl/emitters/templates/<package_folder>/NAME``.

    Autoescaping is off: each target escapes explicitly through its own filters
    (Markdown, DOT, Python ``repr``), so text reaches every output through exactly one
    escaping rule.  ``auto_reload=False`` skips Jinja's check of each template file's
    time stamp on every use (the step template is included once per step).  Each
    ``(outer, inner)`` in ``inline`` serves the packaged ``outer`` with its
    ``{% include "inner" %}`` line replaced by the packaged ``inner``: the same text
    without a new template context per include (only for packaged templates: an
    override of either must be included as written).
    """
    packaged = jinja2.PackageLoader("procdsl", f"emitters/templates/{package_folder}")
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders += [_Inlining(packaged, outer, inner) for outer, inner in inline]
    loaders.append(packaged)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        auto_reload=auto_reload,
    )
    env.filters.update(filters)
    return env


class _Inlining(jinja2.BaseLoader):
    """Serves one template with the line that includes another replaced by its text."""

    def __init__(self, base: jinja2.BaseLoader, outer: str, inner: str) -> None:
        self.base, self.outer, self.inner = base, outer, inner

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        """Return outer with inner inlined; any other name is left to the next loader."""
        if template != self.outer:
            raise jinja2.TemplateNotFound(template)
        source, filename, uptodate = self.base.get_source(environment, template)
        line = f'{{% include "{self.inner}" %}}\n'
        if source.count(line) != 1:  # not the shape this knows: serve it as written
            raise jinja2.TemplateNotFound(template)
        inner = self.base.get_source(environment, self.inner)[0]
        return source.replace(line, inner if inner.endswith("\n") else inner + "\n"), \
            filename, uptodate


@lru_cache(maxsize=16)
def packaged_environment(
    package_folder: str, filters: tuple[tuple[str, Callable[..., Any]], ...] = (),
    inline: tuple[tuple[str, str], ...] = (),
) -> jinja2.Environment:
    """Return the environment of the packaged templates only, made (and compiled) once.

    It is shared: callers must not change it.  A ``--templates`` folder gets a fresh
    ``make_environment`` each time instead, so edits to it are always seen.
    """
    return make_environment(package_folder, dict(filters), auto_reload=False, inline=inline)
