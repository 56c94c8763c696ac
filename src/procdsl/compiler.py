"""The one place that orders the phases: read -> parse -> check, then emit on request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .checks import CheckContext, run_checks
from .collector import paused
from .diagnostics import Diagnostic, Severity, Text, diagnostic, has_errors
from .model import Spec
from .parser import parse_source, read_source
from .source import SourceFile

SPEC_SUFFIX = ".proc"
MAX_DIAGNOSTICS = 200


@dataclass(frozen=True)
class Unit:
    """One spec after parsing and checking: the model is only set when it has no errors."""

    path: str
    source: SourceFile
    spec: Spec | None
    diagnostics: tuple[Diagnostic, ...]

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


def find_specs(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Return the .proc files named by paths (folders searched, sorted) and bad paths."""
    found: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*" + SPEC_SUFFIX) if p.is_file()))
        elif path.is_file():
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
    source, diags = read_source(path, data)
    if diags:
        return Unit(path, source, None, tuple(diags))
    with paused():  # parsing and checking: many objects, few cycles (collector.py)
        parsed = parse_source(source)
        diags = list(parsed.diagnostics)
        spec = parsed.spec
        if spec is not None:
            ctx = CheckContext(spec, processes | {spec.process.name.text}, parsed.broken_names,
                               syntax_ok=not has_errors(diags))
            diags.extend(run_checks(ctx))
    diags.sort(key=Diagnostic.sort_key)
    diags = _cap(diags, source)
    return Unit(path, source, spec if not has_errors(diags) else None, tuple(diags))


def _process_name(data: bytes) -> str | None:
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and not line.startswith(" ") and words[0].lower() in ("process", "流程"):
            return words[1]
    return None


def process_names(paths: Iterable[Path]) -> frozenset[str]:
    """Return the process names declared by the specs at paths (unreadable ones skipped)."""
    names = set()
    for path in paths:
        try:
            name = _process_name(path.read_bytes())
        except OSError:
            continue
        if name:
            names.add(name)
    return frozenset(names)


def compile_paths(paths: Sequence[Path]) -> list[Unit]:
    """Parse and check every spec; subprocess references may name any of them."""
    blobs = [(p, p.read_bytes()) for p in paths]
    names = frozenset(n for _, data in blobs if (n := _process_name(data)))
    return [check_text(display_path(p), data, names) for p, data in blobs]


def display_path(path: Path) -> str:
    """Return the path as shown in messages: relative to the working folder when inside."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


ARTIFACT_SUFFIXES = (".dot", ".svg", ".mmd", ".md", ".py", ".ir.json")


def emit_artifacts(spec: Spec, stem: str, lang: str | None = None,
                   render_svg: bool = True) -> dict[str, bytes]:
    """Return every artifact of one valid spec, keyed by file name (``stem`` + suffix)."""
    from .emitters.dot import emit_dot
    from .emitters.ir import emit_ir
    from .emitters.markdown import emit_markdown
    from .emitters.mermaid import emit_mermaid
    from .emitters.python import emit_python

    lang = lang or spec.lang
    dot = emit_dot(spec, lang=lang)
    mermaid = emit_mermaid(spec, lang=lang)
    out: dict[str, bytes] = {
        f"{stem}.dot": dot.encode("utf-8"),
        f"{stem}.mmd": mermaid.encode("utf-8"),
        f"{stem}.md": emit_markdown(spec, lang=lang, diagram=f"{stem}.svg",
                                    mermaid=mermaid).encode("utf-8"),
        f"{stem}.py": emit_python(spec, lang=lang).encode("utf-8"),
        f"{stem}.ir.json": emit_ir(spec).encode("utf-8"),
    }
    if render_svg:
        from .emitters.render import render

        out[f"{stem}.svg"] = render(dot, "svg")
    return dict(sorted(out.items()))
