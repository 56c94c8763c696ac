"""``procdsl build``: every spec's artifacts into one folder, kept exactly up to date.

A build writes only what changed (specs are skipped by content hash, remembered in a
per-user cache so that the output folder holds nothing but the artifacts), never writes the
outputs of a spec that has errors (its previous outputs stay), never overwrites a file
procdsl did not write (unless forced), and writes each file atomically.  ``check``
mode writes nothing and lists every file that is missing, stale or unexpected.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import json
import os
import shutil
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .calendar_link import calendar_blobs
from .compiler import Unit, check_text, display_path, emit_artifacts, read_spec
from .doccontrol import FILE_NAME, DocControlError, control_for, find_settings
from .emitters import GENERATED_MARK, header_text, show_bidi
from .emitters.manuals import document_files, is_generated
from .model import Spec
from .official_holidays import package_version
from .writer import write_file

INDEX = "README.md"


@dataclass
class SpecOutcome:
    """What happened to one spec: its unit (diagnostics) and the files it produced."""

    unit: Unit
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: bool = False
    undrawn: str | None = None  # why the diagram (.svg) was not drawn; its .dot was written
    crash: str | None = None  # an emitter failed on a valid spec: a bug in procdsl

    @property
    def built(self) -> bool:
        """Return True when the spec is valid and every emitter produced its file."""
        return self.unit.ok and self.crash is None

    @property
    def svg_name(self) -> str:
        """Return the name of this spec's diagram file."""
        return Path(self.unit.path).stem + ".svg"


@dataclass
class BuildReport:
    outcomes: list[SpecOutcome]
    written: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)   # not ours, kept (use --force)
    problems: list[str] = field(default_factory=list)  # --check: what differs

    @property
    def failed(self) -> bool:
        """Return True when any spec had errors, a file was refused, or check found drift."""
        return bool(self.refused or self.problems or any(not o.unit.ok for o in self.outcomes))

    @property
    def crashed(self) -> list[SpecOutcome]:
        """Return the specs an emitter failed on (their previous outputs are kept)."""
        return [o for o in self.outcomes if o.crash is not None]

    @property
    def undrawn(self) -> list[SpecOutcome]:
        """Return the specs whose diagram could not be drawn (everything else was built)."""
        return [o for o in self.outcomes if o.undrawn is not None]


def fingerprint() -> str:
    """Return a hash of procdsl's own code, grammar and templates (outputs depend on them)."""
    from .parser import grammar_text

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    digest.update(grammar_text().encode("utf-8"))
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".j2", ".lark") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _mark_svg(svg: bytes, source: str) -> bytes:
    if GENERATED_MARK.encode() in svg[:400]:
        return svg
    note = f"<!-- {header_text(source)} -->\n".encode()
    head, sep, rest = svg.partition(b"?>\n")
    return head + sep + note + rest if sep else note + svg


GRAPHVIZ_MISSING = "Graphviz's dot was not found"


def graphviz_found() -> bool:
    """Return True when Graphviz's ``dot`` is on PATH (the diagrams need it)."""
    return shutil.which("dot") is not None


def header_paths(paths: Sequence[Path]) -> list[str]:
    """Return how generated headers name each spec: relative to the folder holding them all.

    The working folder plays no part, so a build (or ``build --check``) run from anywhere
    writes the same bytes."""
    resolved = [p.resolve() for p in paths]
    if not resolved:
        return []
    root = Path(os.path.commonpath([p.parent for p in resolved]))
    return [p.relative_to(root).as_posix() for p in resolved]


def _build_one(path: str, data: bytes, names: frozenset[str], draw: bool = True,
               shown: str | None = None, formats: tuple[str, ...] = ()) -> SpecOutcome:
    """Check and emit one spec; a diagram Graphviz cannot draw leaves the rest intact.

    ``shown`` is the spec's name in generated headers (``header_paths``)."""
    from .emitters.render import RenderError, render

    unit = check_text(path, data, names)
    if not unit.ok or unit.spec is None:
        return SpecOutcome(unit)
    stem = Path(path).stem
    shown = shown or Path(path).name
    spec = dataclasses.replace(unit.spec, path=shown)
    try:
        control = control_for(spec, find_settings(path))
    except DocControlError as err:  # a bad procdsl.toml: reported, previous outputs kept
        return SpecOutcome(unit, crash=str(err))
    try:
        files = emit_artifacts(spec, stem, render_svg=False, control=control,
                               source_text=unit.source.text)
        files.update(document_files(spec, stem, formats, control=control, draw=draw)[0])
    except Exception as err:  # a bug: the other specs still build, and it is reported
        if os.environ.get("PROCDSL_DEBUG"):
            traceback.print_exc()
        return SpecOutcome(unit, crash=f"{type(err).__name__}: {err}")
    outcome = SpecOutcome(unit, files)
    if not draw:
        outcome.undrawn = GRAPHVIZ_MISSING
        return outcome
    try:
        svg = render(files[f"{stem}.dot"].decode("utf-8"), "svg")
    except RenderError as err:
        outcome.undrawn = str(err)
        return outcome
    files[outcome.svg_name] = _mark_svg(svg, shown)
    outcome.files = dict(sorted(files.items()))
    return outcome


_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def index_cell(text: str) -> str:
    """Return text for a Markdown table cell, shown exactly as written: every ASCII
    punctuation mark backslash-escaped (so no tag, link, image, entity or emphasis is
    live, and '&lt;' stays '&lt;'), line breaks as spaces, bidi controls made visible."""
    text = show_bidi(" ".join(text.splitlines()))
    return "".join("\\" + c if c in _PUNCTUATION else c for c in text)


def index_href(name: str) -> str:
    """Return a file name as a link destination: anything that could end or change the
    link (brackets, spaces, '|', '%', controls) percent-encoded; other letters kept."""
    def keep(c: str) -> bool:
        if c.isascii():
            return c.isalnum() or c in "-._~"
        return unicodedata.category(c)[0] not in "CZ"

    return "".join(c if keep(c) else quote(c, safe="") for c in name)


def _index(specs: Sequence[tuple[str, Spec]]) -> bytes:
    """Return DIR/README.md: one row per process, linking its artifacts."""
    from .emitters.words import format_duration

    cell = index_cell
    lines = [f"<!-- {GENERATED_MARK}; do not edit -->", "",
             "# Processes / 流程目录", "",
             "| Process / 流程 | Owner / 负责人 | Steps / 步骤 | Roles / 角色 | SLA / 时限 "
             "| Artifacts / 产物 |", "| --- | --- | ---: | ---: | --- | --- |"]
    for path, spec in specs:
        stem = Path(path).stem
        p = spec.process
        sla = format_duration(p.sla.duration, spec.lang) if p.sla else "—"
        links = " · ".join(f"[{label}](<{index_href(stem + suffix)}>)" for label, suffix in (
            ("manual", ".md"), ("diagram", ".svg"), ("code", ".py"), ("IR", ".ir.json"),
            ("BPMN", ".bpmn")))
        lines.append(f"| {cell(p.label)} ({cell(p.name.text)}) | {cell(p.owner or '—')} | "
                     f"{len(spec.tasks)} | {len(spec.roles)} | {cell(sla)} | {links} |")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _cache_path(out: Path) -> Path:
    """Return where the build of ``out`` remembers what it wrote (outside ``out``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(base) / "procdsl" / f"build-{key}.json"


def remember(outcomes: Iterable[SpecOutcome], hashes: dict[str, str], out: Path) -> None:
    """Record each built spec's hash and outputs, so the next build can skip it."""
    specs = {o.unit.path: {"hash": hashes[o.unit.path],
                           "outputs": {name: _digest(data) for name, data in sorted(o.files.items())}}
             for o in outcomes if o.built and o.undrawn is None}  # undrawn: try again
    doc = {"fingerprint": fingerprint(), "specs": specs}
    with contextlib.suppress(OSError):  # no cache is only slower, never wrong
        write_file(_cache_path(out), json.dumps(doc, ensure_ascii=False, sort_keys=True).encode())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _old_manifest(out: Path) -> dict[str, object]:
    try:
        data = json.loads(_cache_path(out).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _can_skip(out: Path, old: dict[str, object], path: str, digest: str
              ) -> dict[str, bytes] | None:
    """Return the outputs of an unchanged spec when every file on disk is as recorded."""
    if old.get("fingerprint") != fingerprint():
        return None
    specs = old.get("specs")
    entry = specs.get(path) if isinstance(specs, dict) else None
    if not isinstance(entry, dict) or entry.get("hash") != digest:
        return None
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict):
        return None
    files: dict[str, bytes] = {}
    for name, recorded in outputs.items():
        try:
            data = (out / str(name)).read_bytes()
        except OSError:
            return None
        if _digest(data) != recorded:
            return None  # edited or damaged by hand: build it again
        files[str(name)] = data
    return files


def compute(paths: Sequence[Path], out: Path, jobs: int = 1, reuse: bool = True,
            progress: Callable[[int, int, SpecOutcome], None] | None = None,
            formats: tuple[str, ...] = ()
            ) -> tuple[list[SpecOutcome], dict[str, bytes], dict[str, str]]:
    """Check and emit every spec; return the outcomes, every file DIR should hold, and
    each spec's content hash (for ``remember``)."""
    blobs = [(display_path(p), read_spec(p)) for p in paths]
    shown = dict(zip((b[0] for b in blobs), header_paths(paths), strict=True))
    from .compiler import _process_name

    names = frozenset(n for _, data in blobs if (n := _process_name(data)))
    # a spec is unchanged only when its procdsl.toml, the calendar files beside it (and the
    # official-holidays data they may read) and the formats asked for are too
    def settings_of(p: str) -> bytes:
        toml = Path(p).parent / FILE_NAME
        shared = b"".join(name.encode() + b"\0" + data for name, data in calendar_blobs(p))
        official = package_version("CN").encode()
        return (toml.read_bytes() if toml.is_file() else b"") + b"\0" + shared + official

    extra = ",".join(formats).encode()
    hashes = {p: _digest(data + b"\0" + settings_of(p) + b"\0" + extra) for p, data in blobs}
    old = _old_manifest(out) if reuse else {}
    outcomes: list[SpecOutcome] = []
    todo: list[tuple[str, bytes]] = []
    for path, data in blobs:
        kept = _can_skip(out, old, path, hashes[path])
        if kept is None:
            todo.append((path, data))
            continue
        unit = check_text(path, data, names)
        outcomes.append(SpecOutcome(unit, kept if unit.ok else {}, skipped=unit.ok))
    draw = graphviz_found()
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_build_one, p, d, names, draw, shown[p], formats)
                       for p, d in todo]
            built = [f.result() for f in futures]
    else:
        built = [_build_one(p, d, names, draw, shown[p], formats) for p, d in todo]
    outcomes.extend(built)
    order = {p: i for i, (p, _) in enumerate(blobs)}
    outcomes.sort(key=lambda o: order[o.unit.path])
    if progress is not None:
        for i, o in enumerate(outcomes, 1):
            progress(i, len(outcomes), o)
    files: dict[str, bytes] = {}
    for o in outcomes:
        files.update(o.files)
    good = [(o.unit.path, o.unit.spec) for o in outcomes if o.unit.spec is not None and o.built]
    files[INDEX] = _index([(p, s) for p, s in good if s is not None])
    return outcomes, dict(sorted(files.items())), hashes


def _ours(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            if GENERATED_MARK.encode() in handle.read(600):
                return True
    except OSError:
        return False
    return path.suffix in (".docx", ".pdf") and is_generated(path)


def write(outcomes: list[SpecOutcome], files: dict[str, bytes], out: Path,
          force: bool = False) -> BuildReport:
    """Write files that changed into ``out`` (atomically); refuse to clobber others' files."""
    report = BuildReport(outcomes)
    failed_outputs = {f"{Path(o.unit.path).stem}{s}" for o in outcomes if not o.built
                      for s in (".dot", ".svg", ".mmd", ".md", ".py", ".ir.json", ".bpmn", ".docx",
                                ".html", ".pdf")}
    failed_outputs |= {o.svg_name for o in report.undrawn}  # the previous drawing stays
    for name, data in files.items():
        target = out / name
        if name in failed_outputs:
            continue
        if target.is_file():
            if target.read_bytes() == data:
                continue
            if not force and not _ours(target):
                report.refused.append(str(target))
                continue
        write_file(target, data)
        report.written.append(str(target))
    for stale in sorted(out.rglob("*")) if out.is_dir() else ():
        name = stale.relative_to(out).as_posix()
        if stale.is_file() and name not in files and name not in failed_outputs and _ours(stale):
            stale.unlink()  # an output of a spec that no longer exists
            report.written.append(f"{stale} (removed)")
    return report


def _short_diff(old: bytes, new: bytes, name: str) -> list[str]:
    try:
        a, b = old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return ["    (binary content differs)"]
    diff = list(difflib.unified_diff(a, b, f"{name} (on disk)", f"{name} (build)",
                                     n=1, lineterm=""))
    shown = ["    " + line for line in diff[:12]]
    if len(diff) > 12:
        shown.append(f"    ... ({len(diff) - 12} more diff lines)")
    return shown


def check(outcomes: list[SpecOutcome], files: dict[str, bytes], out: Path) -> BuildReport:
    """Compare ``out`` with what a build would write; list every difference."""
    report = BuildReport(outcomes)
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} \
        if out.is_dir() else set()
    present -= {o.svg_name for o in report.undrawn}  # cannot tell; reported as not drawn
    for name, data in files.items():
        target = out / name
        if name not in present:
            report.problems.append(f"missing: {target}")
        elif target.read_bytes() != data:
            report.problems.append(f"stale: {target}")
            report.problems.extend(_short_diff(target.read_bytes(), data, name))
    for name in sorted(present - set(files)):
        report.problems.append(f"not produced by the build: {out / name}")
    return report
