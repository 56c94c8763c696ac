"""The command line: a thin click group; the only module that prints or exits.

Exit codes: 0 success, 1 a spec has errors (or --check found differences),
2 usage errors (bad options, missing files), 3 ``build`` wrote everything but some
diagrams (.svg), because Graphviz is missing or could not draw them, 70 a bug in procdsl
(``build`` still writes the outputs of every spec it did not fail on).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .process import batch_collector

if TYPE_CHECKING:
    from .build import BuildReport
    from .compiler import Unit

# The compiler, its model and checks are imported by the commands that use them, so
# that `procdsl --version` and `--help` start as fast as click itself.

EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 70

LANG_OPTION = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default=None,
    help="Language of messages and generated text (default: the spec's 'lang').")


def _color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _load(paths: Sequence[str]) -> list[Unit]:
    from .compiler import compile_paths, find_specs, path_problem

    skipped: list[str] = []
    files, missing = find_specs(paths, skipped)
    for line in skipped:
        click.echo(f"procdsl: skipping {line}", err=True)
    if missing:
        for m in missing:
            problem = path_problem(Path(m)) or "not a spec file"
            if problem == "no such file or folder":
                click.echo(f"procdsl: no such file or folder: {m}", err=True)
            else:
                click.echo(f"procdsl: {m} {problem}", err=True)
        sys.exit(EXIT_USAGE)
    if not files:
        click.echo(f"procdsl: no .proc files in {', '.join(paths)}", err=True)
        sys.exit(EXIT_USAGE)
    return compile_paths(files)


def _once(units: Sequence[Unit]) -> list[list[Any]]:
    """Return each unit's diagnostics to show: a shared calendar file's problems come with
    every spec that names its calendars, and are shown with the first of them only."""
    shown: set[Any] = set()
    out: list[list[Any]] = []
    for unit in units:
        kept = []
        for d in unit.diagnostics:
            if d.span.file != unit.path:
                if d in shown:
                    continue
                shown.add(d)
            kept.append(d)
        out.append(kept)
    return out


def _report(units: Sequence[Unit], fmt: str, lang: str | None, strict: bool = False) -> int:
    """Print every unit's diagnostics; return the exit code they call for."""
    from .diagnostics import Severity, render_full, render_json, render_short, render_summary

    failed = False
    each = _once(units)
    if fmt == "json":
        all_diags = [d for ds in each for d in ds]
        click.echo(render_json(all_diags, lang or (units[0].lang if units else "en")))
    for unit, diags in zip(units, each, strict=True):
        ulang = lang or unit.lang
        errors = any(d.severity is Severity.ERROR for d in unit.diagnostics)
        if errors or (strict and unit.diagnostics):
            failed = True
        if fmt == "json":
            continue
        for d in diags:
            if fmt == "short":
                click.echo(render_short(d, ulang), err=True)
            else:
                click.echo(render_full(d, unit.sources, ulang,
                                       color=_color(sys.stderr)) + "\n", err=True)
    if fmt == "text":
        all_diags = [d for ds in each for d in ds]
        ulang = lang or (units[0].lang if units else "en")
        if all_diags:
            click.echo(render_summary(all_diags, ulang), err=True)
    return EXIT_SPEC_ERRORS if failed else EXIT_OK


def _single(spec_path: str, lang: str | None) -> Unit:
    """Check one spec; its folder's other specs are the processes it may ``run``."""
    from .compiler import SPEC_SUFFIX, check_text, display_path, find_specs, process_names, read_spec

    files, missing = find_specs([spec_path])
    if missing or len(files) != 1:
        if not missing and files:
            click.echo(f"procdsl: {spec_path} holds {len(files)} specs; name one .proc file",
                       err=True)
            sys.exit(EXIT_USAGE)
        _load([spec_path])
    path = files[0]
    names = process_names(sorted(path.parent.glob("*" + SPEC_SUFFIX)))
    unit = check_text(display_path(path), read_spec(path), names)
    if not unit.ok:
        sys.exit(_report([unit], "text", lang) or EXIT_SPEC_ERRORS)
    _report([unit], "text", lang)  # warnings
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


class _Group(click.Group):
    """The command group; a path that is not a readable spec is a usage error (exit 2)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:
            from .compiler import SpecFileError  # already imported when it raised one

            if not isinstance(err, SpecFileError):
                raise
            click.echo(f"procdsl: {err}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="procdsl")
def cli() -> None:
    """Compile plain-text process specs (.proc) into swimlane diagrams, operating
    manuals and executable Python state machines.

    \b
    Start with:
      procdsl check specs/            find every problem in your specs
      procdsl build specs -o generated   write all artifacts for every spec

    \b
    Docs, shipped with procdsl:
      procdsl docs                    the list of documents
      procdsl docs language           the language
      procdsl docs diagnostics        every error and warning code
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
    """Print the validated model of SPEC as JSON (schema: procdsl docs ir).

    \b
    Example:
      procdsl ir specs/新客户注册流程.proc -o 新客户注册流程.ir.json
    """
    from .emitters.ir import emit_ir

    unit = _single(spec, None)
    assert unit.spec is not None
    _write(output, emit_ir(unit.spec))


OUTPUT_OPTION = click.option("-o", "--output", type=click.Path(), default=None,
                             help="Write to this file instead of standard output.")


@cli.command()
@click.argument("spec", type=click.Path())
@OUTPUT_OPTION
@click.option("--format", "fmt", type=click.Choice(["dot", "svg", "png", "pdf", "mermaid"]),
              default=None, help="Output format (default: from the -o suffix, else dot).")
@click.option("--direction", type=click.Choice(["LR", "TB"]), default="LR", show_default=True,
              help="Flow left-to-right (lanes as rows) or top-to-bottom (lanes as columns).")
@click.option("--engine", default="dot", show_default=True,
              help="Graphviz layout engine for svg/png/pdf (dot, neato, ...).")
@click.option("--lane", "lane_name", default=None, metavar="ROLE",
              help="Draw only this role's lane; the tasks just before and after it in other "
                   "lanes are shown small and grey.")
@click.option("--split-by-lane", "split_dir", default=None, metavar="DIR",
              type=click.Path(file_okay=False),
              help="Write one diagram per lane into DIR (format from --format, default svg).")
@click.option("--split-by-phase", "phase_dir", default=None, metavar="DIR",
              type=click.Path(file_okay=False),
              help="Write the process in phases that each fit an A3 landscape page at a "
                   "legible size into DIR (format from --format, default svg). A PDF (-o "
                   "FILE.pdf) of a diagram too big for one A3 page has these phases as its "
                   "pages.")
@LANG_OPTION
def graph(spec: str, output: str | None, fmt: str | None, direction: str, engine: str,
          lane_name: str | None, split_dir: str | None, lang: str | None,
          phase_dir: str | None = None) -> None:
    """Draw SPEC as a swimlane diagram (one lane per role).

    \b
    Examples:
      procdsl graph specs/采购流程.proc -o 采购流程.png
      procdsl graph specs/采购流程.proc --format mermaid
      procdsl graph specs/employee_onboarding.proc -o onboarding.svg --direction TB
      procdsl graph specs/采购流程.proc --lane 采购经理 -o 采购经理.svg
      procdsl graph specs/采购流程.proc --split-by-lane lanes/
      procdsl graph specs/新客户注册流程.proc --split-by-phase pages/ --format pdf
    """
    from .emitters.diagram import build_diagram
    from .emitters.lanes import UnknownLane, find_lane, lane_diagram

    if sum(x is not None for x in (lane_name, split_dir, phase_dir)) > 1:
        raise click.UsageError("use one of --lane, --split-by-lane and --split-by-phase")
    if (split_dir or phase_dir) is not None and output is not None:
        raise click.UsageError("--split-by-lane and --split-by-phase write into their "
                               "folder; leave out -o")
    unit = _single(spec, lang)
    assert unit.spec is not None
    lang = lang or unit.spec.lang
    if fmt is None and (split_dir or phase_dir) is not None:
        fmt = "svg"
    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = {"mmd": "mermaid", "gv": "dot"}.get(suffix, suffix) or "dot"
        if fmt not in ("dot", "svg", "png", "pdf", "mermaid"):
            raise click.UsageError(f"cannot tell the format from '{output}'; add --format")
    diagram = build_diagram(unit.spec, lang)
    if split_dir is not None:
        _graph_lanes(diagram, Path(spec).stem, Path(split_dir), fmt, direction, engine, lang)
        return
    if phase_dir is not None:
        _graph_phases(diagram, Path(spec).stem, Path(phase_dir), fmt, direction, engine, lang)
        return
    if lane_name is not None:
        try:
            diagram = lane_diagram(diagram, find_lane(diagram, lane_name))
        except UnknownLane as err:
            click.echo(f"procdsl: {err}", err=True)
            sys.exit(EXIT_USAGE)
    elif fmt == "pdf" and engine == "dot" and not _fits_a3(diagram, direction):
        # a PDF is for printing: a drawing too big for a legible A3 page is printed as
        # its phases, one A3 landscape page each
        _write(output, _phase_pages_pdf(diagram, direction, lang, output))
        return
    elif fmt in ("svg", "png") and engine == "dot":
        _say_if_too_big_to_print(diagram, direction)
    data = _draw(diagram, fmt, direction, engine, lang, output)
    if isinstance(data, bytes) and output is None and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is binary: write it to a file with -o FILE")
    _write(output, data)


def _fits_a3(diagram: Any, direction: str) -> bool:
    """Return True when the whole drawing prints legibly on one A3 landscape page."""
    from .emitters.dot import MIN_PRINT_SCALE, place

    return bool(place(diagram, direction).print_scale() >= MIN_PRINT_SCALE)


def _phase_pages_pdf(diagram: Any, direction: str, lang: str, output: str | None) -> bytes:
    """Return the diagram's phases as one PDF of A3 landscape pages (and say so)."""
    from .emitters.dot import phase_diagrams
    from .emitters.pdf import PdfError, pages_pdf

    parts = phase_diagrams(diagram, direction)
    svgs = [_draw(part, "svg", direction, "dot", lang, output) for part in parts]
    try:
        data = pages_pdf([s.encode("utf-8") if isinstance(s, str) else s for s in svgs],
                         diagram.title)
    except PdfError as err:
        click.echo(f"procdsl: {err}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"procdsl: the diagram does not fit one A3 page at a legible size; the PDF "
               f"has {len(parts)} A3 landscape pages, one phase each (--split-by-phase DIR "
               "writes them as separate files)", err=True)
    return data


def _say_if_too_big_to_print(diagram: Any, direction: str) -> None:
    """Say when the drawing fits an A3 landscape page only below a legible size."""
    from .emitters.dot import MIN_PRINT_SCALE, phase_diagrams, place

    at = place(diagram, direction)
    if at.print_scale() >= MIN_PRINT_SCALE:
        return
    pages = len(phase_diagrams(diagram, direction))
    click.echo(f"procdsl: the diagram is {at.width / 72 * 2.54:.0f} × "
               f"{at.height / 72 * 2.54:.0f} cm; on A3 landscape its text would print at "
               f"{at.print_scale():.0%} size. To print it use --split-by-phase DIR ({pages} "
               "A3 pages) or --split-by-lane DIR (one diagram per lane).", err=True)


def _graph_phases(diagram: Any, stem: str, folder: Path, fmt: str, direction: str,
                  engine: str, lang: str) -> None:
    """Write the diagram in phases that fit A3 landscape into folder as STEM.pN.EXT."""
    from .emitters.dot import phase_diagrams

    ext = {"mermaid": "mmd"}.get(fmt, fmt)
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(phase_diagrams(diagram, direction)):
        target = folder / f"{stem}.p{i + 1}.{ext}"
        _write(str(target), _draw(part, fmt, direction, engine, lang, str(target)))
        tasks = sum(1 for n in part.nodes if n.kind in ("step", "approval", "subprocess"))
        click.echo(f"procdsl: wrote {target} ({tasks} tasks)", err=True)


def _draw(diagram: Any, fmt: str, direction: str, engine: str, lang: str,
          output: str | None) -> str | bytes:
    """Return the diagram as fmt; when Graphviz fails, write the DOT beside output and exit."""
    from .emitters.dot import diagram_dot
    from .emitters.mermaid import diagram_mermaid

    if fmt == "mermaid":
        return diagram_mermaid(diagram, lang, direction)
    # procdsl places the nodes for dot; another engine lays the graph out itself
    dot = diagram_dot(diagram, lang, direction, placed=engine == "dot")
    if fmt == "dot":
        return dot
    from .emitters.render import RenderError, render

    try:
        return render(dot, fmt, engine=engine)
    except RenderError as err:
        fallback = str(Path(output).with_suffix(".dot")) if output else None
        if fallback:
            _write(fallback, dot)
        click.echo(f"procdsl: {err}" + (f" (wrote {fallback} instead)" if fallback else ""),
                   err=True)
        sys.exit(EXIT_USAGE)


def _graph_lanes(diagram: Any, stem: str, folder: Path, fmt: str, direction: str,
                 engine: str, lang: str) -> None:
    """Write one diagram per lane into folder as STEM.LANE.EXT, naming each file written."""
    from .emitters.lanes import lane_diagram, lane_file_names

    if not diagram.lanes:
        click.echo("procdsl: the process has no lanes to draw", err=True)
        return
    ext = {"mermaid": "mmd"}.get(fmt, fmt)
    folder.mkdir(parents=True, exist_ok=True)
    for lane, name in zip(diagram.lanes, lane_file_names(diagram), strict=True):
        target = folder / f"{stem}.{name}.{ext}"
        _write(str(target), _draw(lane_diagram(diagram, lane), fmt, direction, engine, lang,
                                  str(target)))
        click.echo(f"procdsl: wrote {target} ({lane.label}, {len(lane.nodes)} nodes)", err=True)


@cli.command()
@click.argument("spec", type=click.Path())
@OUTPUT_OPTION
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["md", "docx", "html", "pdf"]), default=None,
              help="md (Markdown), docx (Word), html or pdf (A4). Default: from the -o "
                   "suffix, else md.")
@click.option("--templates", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of Jinja templates overriding the built-in ones by name "
                   "(see: procdsl docs manual). Markdown only.")
@click.option("--diagram", default=None, metavar="IMAGE",
              help="Image to show as the flowchart, as the manual should link it (e.g. one "
                   "written by 'procdsl graph SPEC -o IMAGE'). Default: NAME.svg when it "
                   "already exists beside the -o file; otherwise the manual shows its "
                   "Mermaid flowchart only. Markdown only: Word and PDF embed the diagram.")
def manual(spec: str, output: str | None, lang: str | None, fmt: str | None,
           templates: str | None, diagram: str | None) -> None:
    """Write the operating manual of SPEC as Markdown, Word, HTML or PDF, in Chinese or
    English, with the document control of the procdsl.toml beside SPEC (see: procdsl
    docs documents).

    The Markdown manual always holds the flowchart as Mermaid; it links an image only when
    --diagram names one, or when NAME.svg is already beside the -o file. Word, HTML and
    PDF embed the diagram drawn by Graphviz (without Graphviz: a note in its place).

    \b
    Examples:
      procdsl manual specs/采购流程.proc -o 采购流程.md
      procdsl manual specs/采购流程.proc --lang en
      procdsl manual specs/采购流程.proc -o 采购流程.docx
      procdsl manual specs/采购流程.proc --format pdf -o 采购流程.pdf
      procdsl graph specs/采购流程.proc -o 采购流程.svg
      procdsl manual specs/采购流程.proc -o 采购流程.md --diagram 采购流程.svg
      procdsl manual specs/采购流程.proc --templates my_templates/
    """
    from .doccontrol import DocControlError, control_for, find_settings

    unit = _single(spec, lang)
    assert unit.spec is not None
    lang = lang or unit.spec.lang
    if fmt is None:
        suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
        fmt = {".docx": "docx", ".html": "html", ".htm": "html", ".pdf": "pdf"}.get(suffix, "md")
    try:
        control = control_for(unit.spec, find_settings(spec))
    except DocControlError as err:
        click.echo(f"procdsl: {err}", err=True)
        sys.exit(EXIT_USAGE)
    if fmt == "md":
        from .emitters.markdown import emit_markdown
        from .emitters.mermaid import emit_mermaid

        if diagram is None and output not in (None, "-"):
            beside = Path(output).with_suffix(".svg")
            diagram = beside.name if beside.is_file() else None
        text = emit_markdown(unit.spec, lang=lang, diagram=diagram,
                             mermaid=emit_mermaid(unit.spec, lang=lang),
                             templates=Path(templates) if templates else None, control=control)
        _write(output, text)
        return
    if fmt in ("docx", "pdf") and output in (None, "-") and sys.stdout.isatty():
        raise click.UsageError(f"a {fmt} file is binary: write it with -o FILE.{fmt}")
    from .emitters.manuals import draw_pictures, write_manual
    from .emitters.pdf import PdfError

    pictures = draw_pictures(unit.spec, lang)
    if pictures.diagram is None:
        click.echo(f"procdsl: {pictures.why_not}; the manual shows a note in place of the "
                   "flowchart", err=True)
    try:
        data = write_manual(unit.spec, lang=lang, fmt=fmt,  # type: ignore[arg-type]
                            diagram_png=pictures.diagram, lane_pngs=pictures.lanes,
                            control=control)
    except PdfError as err:
        click.echo(f"procdsl: {err}", err=True)
        sys.exit(EXIT_USAGE)
    _write(output, data)


@cli.command()
@click.argument("spec", type=click.Path())
@OUTPUT_OPTION
def codegen(spec: str, output: str | None) -> None:
    """Generate the Python state machine of SPEC (imports procdsl.runtime only).

    \b
    Examples:
      procdsl codegen specs/采购流程.proc -o app/采购流程.py
    \b
    Then, in Python (see 'procdsl docs runtime'):
      from 采购流程 import WORKFLOW
      case = WORKFLOW.start(actor, {...}, now)
    """
    from .emitters.python import emit_python

    unit = _single(spec, None)
    assert unit.spec is not None
    _write(output, emit_python(unit.spec, lang=unit.spec.lang))



@cli.command()
@click.argument("spec", type=click.Path())
@OUTPUT_OPTION
@click.option("--dialect", type=click.Choice(["python", "zeebe"]), default="python",
              help="python: conditions and scripts in Python (SpiffWorkflow); "
                   "zeebe: FEEL and the zeebe elements (Camunda 8).")
def bpmn(spec: str, output: str | None, dialect: str) -> None:
    """Write SPEC as BPMN 2.0 XML: lanes, gateways, timers, laid out (procdsl docs bpmn).

    Opens in Camunda Modeler and bpmn.io, runs on SpiffWorkflow; carries the spec,
    so 'procdsl import-bpmn' gives it back exactly.

    \b
    Example:
      procdsl bpmn specs/请假流程.proc -o 请假流程.bpmn
      procdsl bpmn specs/请假流程.proc --dialect zeebe -o 请假流程.bpmn
    """
    from .emitters.bpmn import emit_bpmn

    unit = _single(spec, None)
    assert unit.spec is not None
    _write(output, emit_bpmn(unit.spec, source_text=unit.source.text, dialect=dialect))


@cli.command("import-bpmn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@OUTPUT_OPTION
def import_bpmn_command(file: str, output: str | None) -> None:
    """Turn a BPMN 2.0 file into a formatted spec; what does not map is reported with
    its element id (exit 1 when something could not be imported).

    \b
    Example:
      procdsl import-bpmn leave.bpmn -o leave.proc
    """
    from .bpmn_import import BpmnImportError, import_bpmn

    try:
        result = import_bpmn(Path(file).read_bytes())
    except BpmnImportError as err:
        click.echo(f"procdsl: {file}: {err}", err=True)
        sys.exit(EXIT_SPEC_ERRORS)
    for d in result.diagnostics:
        click.echo(f"{file}: {d}", err=True)
    _write(output, result.text)
    if any(d.severity == "error" for d in result.diagnostics):
        sys.exit(EXIT_SPEC_ERRORS)

@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out", type=click.Path(file_okay=False), required=True,
              help="Folder to write into (e.g. generated).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 and list every file that is missing, stale or "
                   "not produced by the build.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Build this many specs at once.")
@click.option("--force", is_flag=True,
              help="Overwrite files in the folder that procdsl did not write.")
@click.option("--formats", default="", metavar="LIST",
              help="Also write each manual in these formats, comma-separated: docx, html, "
                   "pdf (e.g. --formats docx,pdf; see: procdsl docs documents).")
def build(paths: tuple[str, ...], out: str, check_only: bool, jobs: int, force: bool,
          formats: str) -> None:
    """Compile every spec into its diagram (.dot, .svg, .mmd), manual (.md), code (.py)
    and model (.ir.json), plus an index README.md.

    Unchanged specs are skipped. A spec with errors keeps its previous outputs and is
    reported; the others still build (exit 1 if any failed). Without Graphviz (or when it
    cannot draw a spec) everything but the .svg is written, the .dot included (exit 3).

    \b
    Examples:
      procdsl build specs -o generated
      procdsl build specs -o generated --check     # in CI: is generated/ up to date?
      procdsl build specs/采购流程.proc -o out -j 2
    """
    from . import build as builder
    from .compiler import find_specs

    # md is always written (the manual itself); naming it too is harmless
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",")
                                 if f.strip() and f.strip().lower() not in ("md", "markdown")))
    bad = [f for f in wanted if f not in ("docx", "html", "pdf")]
    if bad:
        raise click.BadParameter(f"unknown format {bad[0]!r}; use docx, html or pdf "
                                 "(the Markdown manual is always written)",
                                 param_hint="--formats")

    skipped: list[str] = []
    files, missing = find_specs(paths, skipped)
    if missing or not files:
        _load(paths)  # prints the usage error and exits
    for line in skipped:
        click.echo(f"procdsl: skipping {line}", err=True)
    tty = sys.stderr.isatty()

    def progress(i: int, n: int, outcome: builder.SpecOutcome) -> None:
        if tty:
            state = "skipped (unchanged)" if outcome.skipped else (
                "FAILED" if not outcome.built else
                "built (no diagram)" if outcome.undrawn else "built")
            click.echo(f"[{i}/{n}] {outcome.unit.path}: {state}", err=True)

    outcomes, expected, hashes = builder.compute(files, Path(out), jobs=jobs,
                                                 reuse=not check_only, progress=progress,
                                                 formats=wanted)
    code = _report([o.unit for o in outcomes], "text", None)
    if check_only:
        report = builder.check(outcomes, expected, Path(out))
        for line in report.problems:
            click.echo(line, err=True)
        if not report.failed and not report.undrawn:
            click.echo(f"{out} is up to date ({len(expected)} files)", err=True)
    else:
        report = builder.write(outcomes, expected, Path(out), force=force)
        builder.remember(outcomes, hashes, Path(out))
        for path in report.refused:
            click.echo(f"procdsl: not overwriting {path}: procdsl did not write it "
                       "(use --force to replace it)", err=True)
        click.echo(_build_summary(report, out), err=True)
    _report_undrawn(report, check_only)
    for o in report.crashed:
        click.echo(f"procdsl: internal error while writing the outputs of {o.unit.path} "
                   f"({o.crash}); its previous outputs are kept and the other specs were "
                   "built. This is a bug in procdsl; please report it with that spec "
                   "(set PROCDSL_DEBUG=1 to see the details).", err=True)
    if report.crashed:
        sys.exit(EXIT_INTERNAL)
    if report.failed or code:
        sys.exit(EXIT_SPEC_ERRORS)
    sys.exit(EXIT_INCOMPLETE if report.undrawn else EXIT_OK)


def _build_summary(report: BuildReport, out: str) -> str:
    """Return what a build did in one line, e.g. '2 specs built, 1 unchanged; 12 files
    written to generated'."""
    outcomes = report.outcomes
    counts = [(sum(o.built and not o.skipped for o in outcomes), "built"),
              (sum(o.skipped for o in outcomes), "unchanged"),
              (sum(not o.built for o in outcomes), "failed (previous outputs kept)")]
    shown = [f"{n} {what}" for n, what in counts if n] or ["0 built"]
    n, what = shown[0].split(" ", 1)
    shown[0] = f"{n} spec{'s' * (n != '1')} {what}".rstrip()
    removed = sum(w.endswith(" (removed)") for w in report.written)
    written = len(report.written) - removed
    if written or removed:
        files = f"{written} file{'s' * (written != 1)} written to {out}"
        if removed:
            files += f", {removed} removed"
    else:
        files = f"nothing to write: {out} already holds these files"
    return ", ".join(shown) + "; " + files


def _report_undrawn(report: BuildReport, check_only: bool) -> None:
    """Say once why diagrams were not drawn (Graphviz missing), or which one dot refused."""
    from .build import GRAPHVIZ_MISSING
    from .emitters.render import INSTALL_HINT

    missing = [o for o in report.undrawn if o.undrawn == GRAPHVIZ_MISSING]
    if missing:
        n = len(missing)
        what = (f"{n} diagram{'s' * (n != 1)} (.svg) could not be checked" if check_only else
                f"{n} diagram{'s' * (n != 1)} (.svg) not drawn; every other file, the .dot "
                "included, was written")
        click.echo(f"procdsl: {GRAPHVIZ_MISSING} on PATH, so {what}. To draw them, "
                   f"{INSTALL_HINT}, then {'check' if check_only else 'build'} again.", err=True)
    for o in report.undrawn:
        if o.undrawn != GRAPHVIZ_MISSING:
            click.echo(f"procdsl: {o.svg_name} not drawn ({o.undrawn}); the other files of "
                       f"{o.unit.path}, its .dot included, were written", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 and name every spec that is not formatted.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print what would change as a unified diff.")
@click.option("--stdout", "to_stdout", is_flag=True,
              help="Print the formatted spec instead of rewriting the file.")
def fmt(paths: tuple[str, ...], check_only: bool, show_diff: bool, to_stdout: bool) -> None:
    """Rewrite specs in the canonical layout (indentation, spacing, blank lines).

    Only white space changes; comments, keywords and text stay as written. A spec
    with syntax errors is reported and left alone.

    \b
    Examples:
      procdsl fmt specs/
      procdsl fmt specs/ --check          # in CI or a pre-commit hook
      procdsl fmt specs/采购流程.proc --diff
    """
    import difflib

    from .compiler import compile_paths, find_specs, read_spec
    from .formatter import format_text
    from .writer import write_file

    files, missing = find_specs(paths)
    if missing or not files:
        _load(paths)
    changed, failed = [], False
    for path, unit in zip(files, compile_paths(files), strict=True):
        if any(d.code.startswith("PD0") for d in unit.diagnostics):
            _report([unit], "text", None)
            failed = True
            continue
        text = unit.source.text
        new = format_text(text)
        if to_stdout:
            click.echo(new, nl=False)
            continue
        if new == text and read_spec(path) == text.encode("utf-8"):
            continue
        changed.append(unit.path)
        if show_diff:
            click.echo("".join(difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True),
                f"{unit.path} (now)", f"{unit.path} (formatted)")), nl=False)
        elif not check_only:
            write_file(path, new.encode("utf-8"))
    verb = "would reformat" if check_only or show_diff else "reformatted"
    for name in changed:
        click.echo(f"{verb} {name}", err=True)
    if not to_stdout:
        click.echo(f"{len(changed)} of {len(files)} specs {verb}", err=True)
    sys.exit(EXIT_SPEC_ERRORS if failed or (check_only and changed) else EXIT_OK)


@cli.command()
@click.argument("topic", required=False)
def docs(topic: str | None) -> None:
    """Print a document shipped with procdsl, or list them when TOPIC is left out.

    \b
    Examples:
      procdsl docs                 the topics and their titles
      procdsl docs language        the language, every construct
      procdsl docs diagnostics     every error and warning code
      procdsl docs runtime | less
    """
    from . import topics as shipped

    found = shipped.topics()
    if topic is None:
        width = max((len(name) for name in found), default=0)
        for name, item in found.items():
            click.echo(f"{name:<{width}}  {shipped.title(item.read_text(encoding='utf-8'))}")
        if not found:
            click.echo("procdsl: no documents were installed with procdsl", err=True)
            sys.exit(EXIT_USAGE)
        return
    text = shipped.read(topic)
    if text is None:
        import difflib

        close = difflib.get_close_matches(topic, list(found), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise click.UsageError(f"no document '{topic}'{hint} (topics: {', '.join(found)})")
    if sys.stdout.isatty():
        click.echo_via_pager(text)
    else:
        click.echo(text, nl=False)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
             add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def worker(args: tuple[str, ...]) -> None:
    """Tick the due cases of a case store until SIGTERM or SIGINT (procdsl docs store).

    \b
    Example:
      procdsl worker --db sqlite:///cases.db --module app/expense.py
      procdsl worker --help        every option
    """
    from .store.worker import main as worker_main

    sys.exit(worker_main(list(args)))


@cli.command()
def lsp() -> None:
    """Run the language server on standard input and output, for editors
    (set-ups for VS Code, Neovim and Helix: procdsl docs editors).

    Needs the lsp extra: pip install 'procdsl[lsp]'.
    """
    try:
        from .lsp.server import main as serve_lsp
    except ImportError as err:
        click.echo(f"procdsl: the language server needs the lsp extra ({err.name} is missing): "
                   "pip install 'procdsl[lsp]'", err=True)
        sys.exit(EXIT_USAGE)
    serve_lsp()


@cli.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to serve on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
def preview(spec: str, port: int, open_browser: bool) -> None:
    """Show SPEC's diagram and manual side by side in a browser, redrawn on every save
    (the diagnostics instead while it has errors). Serves 127.0.0.1 only, until Ctrl-C.

    \b
    Example:
      procdsl preview specs/请假流程.proc --open
    """
    from .preview import serve

    serve(spec, "127.0.0.1", port, open_browser=open_browser,
          ready=lambda url: click.echo(f"procdsl: previewing {spec} at {url} (Ctrl-C stops)",
                                       err=True))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; an unexpected failure prints one line, not a traceback."""
    batch_collector()
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
        sys.exit(EXIT_INTERNAL)


