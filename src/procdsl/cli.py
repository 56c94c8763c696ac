"""The command line: a thin click group; the only module that prints or exits.

Exit codes: 0 success, 1 a spec has errors (or --check found differences),
2 usage errors (bad options, missing files).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .compiler import Unit, compile_paths, find_specs
from .diagnostics import Severity, render_full, render_json, render_short, render_summary

EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE = 0, 1, 2

LANG_OPTION = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default=None,
    help="Language of messages and generated text (default: the spec's 'lang').")


def _color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _load(paths: Sequence[str]) -> list[Unit]:
    files, missing = find_specs(paths)
    if missing:
        for m in missing:
            click.echo(f"procdsl: no such file or folder: {m}", err=True)
        sys.exit(EXIT_USAGE)
    if not files:
        click.echo(f"procdsl: no .proc files in {', '.join(paths)}", err=True)
        sys.exit(EXIT_USAGE)
    return compile_paths(files)


def _report(units: Sequence[Unit], fmt: str, lang: str | None, strict: bool = False) -> int:
    """Print every unit's diagnostics; return the exit code they call for."""
    failed = False
    if fmt == "json":
        all_diags = [d for u in units for d in u.diagnostics]
        click.echo(render_json(all_diags, lang or (units[0].lang if units else "en")))
    for unit in units:
        ulang = lang or unit.lang
        errors = any(d.severity is Severity.ERROR for d in unit.diagnostics)
        if errors or (strict and unit.diagnostics):
            failed = True
        if fmt == "json":
            continue
        for d in unit.diagnostics:
            if fmt == "short":
                click.echo(render_short(d, ulang), err=True)
            else:
                click.echo(render_full(d, {unit.path: unit.source}, ulang,
                                       color=_color(sys.stderr)) + "\n", err=True)
    if fmt == "text":
        all_diags = [d for u in units for d in u.diagnostics]
        ulang = lang or (units[0].lang if units else "en")
        if all_diags:
            click.echo(render_summary(all_diags, ulang), err=True)
    return EXIT_SPEC_ERRORS if failed else EXIT_OK


def _single(spec_path: str, lang: str | None) -> Unit:
    units = _load([spec_path])
    if len(units) != 1:
        click.echo(f"procdsl: {spec_path} holds {len(units)} specs; name one .proc file",
                   err=True)
        sys.exit(EXIT_USAGE)
    unit = units[0]
    if not unit.ok:
        sys.exit(_report(units, "text", lang) or EXIT_SPEC_ERRORS)
    _report(units, "text", lang)  # warnings
    return unit


def _write(output: str | None, data: str | bytes) -> None:
    if output is None or output == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=False)
        return
    from .writer import write_file

    write_file(Path(output), data.encode("utf-8") if isinstance(data, str) else data)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="procdsl")
def cli() -> None:
    """Compile plain-text process specs (.proc) into swimlane diagrams, operating
    manuals and executable Python state machines.

    \b
    Start with:
      procdsl check specs/            find every problem in your specs
      procdsl build specs -o generated   write all artifacts for every spec

    Docs: docs/language.md (the language), docs/diagnostics.md (every error code).
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "short", "json"]), default="text",
              help="text: full messages with the source line; short: one line each "
                   "(file:line:col); json: for editors and CI.")
@LANG_OPTION
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
def check(paths: tuple[str, ...], fmt: str, lang: str | None, strict: bool) -> None:
    """Check specs and report every problem, or nothing when they are sound.

    PATHS are .proc files or folders holding them.

    \b
    Examples:
      procdsl check specs/
      procdsl check specs/采购流程.proc --lang en
      procdsl check specs/ --format short --strict
    """
    units = _load(paths)
    code = _report(units, fmt, lang, strict)
    if fmt == "text" and code == EXIT_OK and not any(u.diagnostics for u in units):
        ulang = lang or units[0].lang
        n = len(units)
        click.echo(f"{n} 个规格文件检查通过" if ulang == "zh" else
                   f"{n} spec{'s' * (n != 1)} checked, no problems found", err=True)
    sys.exit(code)


@cli.command()
@click.argument("spec", type=click.Path())
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write to this file instead of standard output.")
def ir(spec: str, output: str | None) -> None:
    """Print the validated model of SPEC as JSON (schema in docs/ir.md).

    \b
    Example:
      procdsl ir specs/新客户注册流程.proc -o 新客户注册流程.ir.json
    """
    from .emitters.ir import emit_ir

    unit = _single(spec, None)
    assert unit.spec is not None
    _write(output, emit_ir(unit.spec))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; an unexpected failure prints one line, not a traceback."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="procdsl",
                 standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("procdsl: interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # the safety net: a bug in procdsl, never the user's fault
        if os.environ.get("PROCDSL_DEBUG"):
            traceback.print_exc()
        click.echo(f"procdsl: internal error ({type(err).__name__}: {err}). This is a bug "
                   "in procdsl; please report it with the spec that caused it "
                   "(set PROCDSL_DEBUG=1 to see the details).", err=True)
        sys.exit(70)


