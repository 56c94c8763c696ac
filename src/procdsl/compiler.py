"""The one place that orders the phases: read -> parse -> check, then emit on request."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .calendar_link import Library, library_for, link_spec
from .checks import CheckContext, run_checks
from .diagnostics import Diagnostic, Severity, Text, diagnostic, has_errors
from .doccontrol import DocumentControl
from .model import Spec
from .parser import BlockParser, ParseResult, parse_block, parse_source, read_source
from .source import SourceFile

SPEC_SUFFIX = ".proc"
MAX_DIAGNOSTICS = 200
MAX_SPEC_BYTES = 16 * 1024 * 1024  # a spec is text a person writes; more is a mistake


class SpecFileError(Exception):
    """A path cannot be read as a spec; the message is one line a person can act on."""


@dataclass(frozen=True)
class Unit:
    """One spec after parsing and checking: the model is only set when it has no errors."""

    path: str
    source: SourceFile
    spec: Spec | None
    diagnostics: tuple[Diagnostic, ...]
    shared: tuple[SourceFile, ...] = ()  # the calendar files beside it that it reads

    @property
    def sources(self) -> dict[str, SourceFile]:
        """Return every file its diagnostics may point into, by path (for render_full)."""
        return {**{s.path: s for s in self.shared}, self.path: self.source}

    @property
    def ok(self) -> bool:
        """Return True when the spec has no errors (warnings allowed)."""
        return self.spec is not None and not has_errors(self.diagnostics)

    @property
    def lang(self) -> str:
        """Return the language the spec asks for ('en' when it cannot tell)."""
        return self.spec.lang if self.spec is not None else _guess_lang(self.source.text)


def _guess_lang(text: str) -> str:
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("lang", "语言", "language"):
            return "zh" if words[1] == "zh" else "en"
    cjk = sum(1 for c in text[:2000] if "\u4e00" <= c <= "\u9fff")
    return "zh" if cjk > 20 else "en"


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _mode_problem(mode: int, size: int, linked: bool) -> str | None:
    if stat.S_ISREG(mode):
        if size > MAX_SPEC_BYTES:
            return (f"is {size / 1024 / 1024:.1f} MB; a spec may be at most "
                    f"{MAX_SPEC_BYTES // 1024 // 1024} MB")
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    return f"is {kind}{' (through a symbolic link)' if linked else ''}, not a spec file"


def path_problem(path: Path) -> str | None:
    """Return why path is not a folder or spec file procdsl can read, or None when it is."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "is a broken symbolic link" if path.is_symlink() else "no such file or folder"
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    if stat.S_ISDIR(info.st_mode):
        return None
    return _mode_problem(info.st_mode, info.st_size, path.is_symlink())


def read_spec(path: Path) -> bytes:
    """Return the bytes of a spec file: only a regular file, at most MAX_SPEC_BYTES.

    The file is opened without blocking and checked after opening, so a named pipe or a
    device (also behind a symbolic link) is refused rather than read forever."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise SpecFileError(f"{path}: {path_problem(path) or err.strerror or err}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        problem = _mode_problem(info.st_mode, info.st_size, path.is_symlink())
        if problem is None:
            data = handle.read(MAX_SPEC_BYTES + 1)
            if len(data) > MAX_SPEC_BYTES:
                problem = _mode_problem(info.st_mode, len(data), False) or "grew while read"
    if problem is not None:
        raise SpecFileError(f"{path}: {problem}")
    return data


def _is_spec_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def find_specs(paths: Iterable[str | Path], skipped: list[str] | None = None
               ) -> tuple[list[Path], list[str]]:
    """Return the .proc files named by paths (folders searched, sorted) and bad paths.

    In a folder only regular files count: a pipe, a device or a broken link named *.proc
    is not a spec, and is added to ``skipped`` as "PATH REASON" when a list is given. A
    path named directly that is not a folder or a regular file is a bad path (see
    ``path_problem`` for why)."""
    found: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for p in sorted(path.rglob("*" + SPEC_SUFFIX)):
                if _is_spec_file(p):
                    found.append(p)
                elif skipped is not None and not p.is_dir():
                    skipped.append(f"{p} {path_problem(p) or 'is not a spec file'}")
        elif _is_spec_file(path):
            found.append(path)
        else:
            missing.append(str(raw))
    unique: list[Path] = []
    for p in found:
        if p not in unique:
            unique.append(p)
    return unique, missing


def _cap(diags: list[Diagnostic], source: SourceFile) -> list[Diagnostic]:
    if len(diags) <= MAX_DIAGNOSTICS:
        return diags
    kept = diags[:MAX_DIAGNOSTICS]
    rest = len(diags) - MAX_DIAGNOSTICS
    kept.append(diagnostic("PD006", source.span(0, 0), Text(
        f"{rest} more problems not shown; fix the ones above first",
        f"另有 {rest} 个问题未显示，请先修正以上问题"), severity=Severity.ERROR))
    return kept


def check_text(path: str, data: bytes, processes: frozenset[str] = frozenset()) -> Unit:
    """Parse and check one spec's bytes; return its unit."""
    return check_source(path, data, processes)[0]


def check_source(path: str, data: bytes, processes: frozenset[str] = frozenset(),
                 blocks: BlockParser = parse_block) -> tuple[Unit, ParseResult | None]:
    """Parse and check one spec's bytes; return its unit and the parse it was checked
    from (None when the bytes were not text), whose model an editor navigates even while
    the spec has errors.  ``blocks`` is as in ``parser.parse_source``."""
    source, diags = read_source(path, data)
    if diags:
        return Unit(path, source, None, tuple(diags)), None
    parsed = parse_source(source, blocks)
    diags = list(parsed.diagnostics)
    spec = parsed.spec
    shared: tuple[SourceFile, ...] = ()
    if spec is not None:
        # calendars first: shared ones from the calendar files beside the spec, bases and
        # official days written in, so every check and emitter sees plain calendars
        spec, found, shared, broken = link_spec(spec, _library(path, spec),
                                                parsed.broken_names)
        diags.extend(found)
        ctx = CheckContext(spec, processes | {spec.process.name.text},
                           parsed.broken_names | broken,
                           syntax_ok=not has_errors(diags), source=source.text)
        diags.extend(run_checks(ctx))
    diags.sort(key=Diagnostic.sort_key)
    diags = _cap(diags, source)
    return Unit(path, source, spec if not has_errors(diags) else None, tuple(diags),
                shared), parsed


def _library(path: str, spec: Spec) -> Library | None:
    """Return the calendar files beside the spec, read only when it names a calendar it
    does not declare."""
    local = {c.name.text for c in spec.calendars}
    named = [spec.process.calendar] + [c.base for c in spec.calendars]
    if all(n is None or n.text in local for n in named):
        return None
    return library_for(path)


def _process_name(data: bytes) -> str | None:
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and not line.startswith(" ") and words[0].lower() in ("process", "流程"):
            return words[1]
    return None


def process_names(paths: Iterable[Path]) -> frozenset[str]:
    """Return the process names declared by the specs at paths (unreadable ones, pipes,
    devices and oversized files skipped: they are not specs)."""
    names = set()
    for path in paths:
        try:
            name = _process_name(read_spec(path))
        except (OSError, SpecFileError):
            continue
        if name:
            names.add(name)
    return frozenset(names)


def compile_paths(paths: Sequence[Path]) -> list[Unit]:
    """Parse and check every spec; subprocess references may name any of them."""
    blobs = [(p, read_spec(p)) for p in paths]
    names = frozenset(n for _, data in blobs if (n := _process_name(data)))
    return [check_text(display_path(p), data, names) for p, data in blobs]


def display_path(path: Path) -> str:
    """Return the path as shown in messages: relative to the working folder when inside."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


ARTIFACT_SUFFIXES = (".dot", ".svg", ".mmd", ".md", ".py", ".ir.json", ".bpmn")


def emit_artifacts(spec: Spec, stem: str, lang: str | None = None,
                   render_svg: bool = True, control: DocumentControl | None = None,
                   source_text: str | None = None) -> dict[str, bytes]:
    """Return every artifact of one valid spec, keyed by file name (``stem`` + suffix).

    ``source_text`` (the spec as written) rides in NAME.bpmn, so import-bpmn gives it back."""
    from .emitters.bpmn import emit_bpmn
    from .emitters.diagram import build_diagram
    from .emitters.dot import emit_dot
    from .emitters.ir import emit_ir
    from .emitters.markdown import emit_markdown
    from .emitters.mermaid import emit_mermaid
    from .emitters.python import emit_python
    from .plan import plan_of

    lang = lang or spec.lang
    # lowered once per spec (plan_of keeps it while the spec lives); every emitter reads it
    diagram = build_diagram(spec, lang, plan_of(spec))  # drawn once, as DOT and as Mermaid
    dot = emit_dot(spec, lang=lang, diagram=diagram)
    mermaid = emit_mermaid(spec, lang=lang, diagram=diagram)
    out: dict[str, bytes] = {
        f"{stem}.dot": dot.encode("utf-8"),
        f"{stem}.mmd": mermaid.encode("utf-8"),
        f"{stem}.md": emit_markdown(spec, lang=lang, diagram=f"{stem}.svg",
                                    mermaid=mermaid, control=control).encode("utf-8"),
        f"{stem}.py": emit_python(spec, lang=lang).encode("utf-8"),
        f"{stem}.ir.json": emit_ir(spec).encode("utf-8"),
        f"{stem}.bpmn": emit_bpmn(spec, lang=lang, source_text=source_text).encode("utf-8"),
    }
    if render_svg:
        from .emitters.render import render

        out[f"{stem}.svg"] = render(dot, "svg")
    return dict(sorted(out.items()))
