"""Spec text -> model: loads the grammar, parses each top-level block, reports errors.

Syntax errors become diagnostics that say what was expected in words a process owner
uses (see ``syntax_errors.py``); one bad block does not stop the others from parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, VisitError

from . import model as m
from .diagnostics import Diagnostic, Text, diagnostic
from .grammar_cache import cached_lark
from .keywords import terminal_definitions
from .prescan import MAX_INDENT_DEPTH, Block, prescan
from .resolve import resolve
from .source import SourceFile, Span
from .syntax_errors import describe_syntax_error
from .transform import ToModel


def grammar_text() -> str:
    """Return the grammar: ``grammar/procdsl.lark`` plus the generated keyword terminals."""
    packaged = resources.files("procdsl").joinpath("grammar/procdsl.lark")
    if packaged.is_file():
        base = packaged.read_text(encoding="utf-8")
    else:  # an editable install reads the repository's grammar/ folder
        repo = Path(__file__).resolve().parents[2] / "grammar" / "procdsl.lark"
        base = repo.read_text(encoding="utf-8")
    return base + "\n" + terminal_definitions() + "\n%declare _INDENT _DEDENT\n"


class IndentError(Exception):
    """Raised by the postlexer for a dedent to a column no outer block uses."""

    def __init__(self, token: Token, levels: list[int], depth_exceeded: bool = False) -> None:
        super().__init__("bad indentation")
        self.token = token
        self.levels = levels
        self.depth_exceeded = depth_exceeded


class Indenter:
    """Postlexer that turns leading spaces after each _NL into _INDENT/_DEDENT tokens."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        levels = [0]
        last: Token | None = None
        for token in stream:
            last = token
            if token.type != "_NL":
                yield token
                continue
            yield token
            indent = len(token.value.rsplit("\n", 1)[-1])
            if indent > levels[-1]:
                if len(levels) > MAX_INDENT_DEPTH:
                    raise IndentError(token, levels, depth_exceeded=True)
                levels.append(indent)
                yield Token.new_borrow_pos("_INDENT", " " * indent, token)
            else:
                if indent not in levels:
                    raise IndentError(token, levels)
                while indent < levels[-1]:
                    levels.pop()
                    yield Token.new_borrow_pos("_DEDENT", "", token)
        while len(levels) > 1:
            levels.pop()
            yield (Token.new_borrow_pos("_DEDENT", "", last) if last
                   else Token("_DEDENT", ""))


_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual",
                            "propagate_positions": True, "maybe_placeholders": False}


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """Return the Lark LALR parser of the grammar (its tables cached between runs)."""
    return cached_lark(grammar_text(), postlex=Indenter(), **_OPTIONS)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The parsed spec (None when there is nothing to build from) and what went wrong."""

    spec: m.Spec | None
    diagnostics: tuple[Diagnostic, ...]
    broken_names: frozenset[str]  # names of definitions whose block failed to parse


MAX_SYNTAX_ERRORS = 200
# Definitions (steps, approvals, rules...) one spec may hold: checking costs about 150 µs
# each, so this bounds a check at about 15 s and 400 MB however large the input.
MAX_DEFINITIONS = 100_000
_HEADER_NAME = re.compile(r"\S+\s+([^\W\d]\w*)")


def _indent_diagnostic(source: SourceFile, block: Block, err: IndentError) -> Diagnostic:
    token = err.token
    end = block.offset + (token.end_pos or 0)
    line, _ = source.position(end)
    span = source.span(end, end + len(token.value.rsplit("\n", 1)[-1]))
    if err.depth_exceeded:
        return diagnostic("PD006", span, Text(
            f"blocks are nested more than {MAX_INDENT_DEPTH} levels deep",
            f"缩进嵌套超过 {MAX_INDENT_DEPTH} 层"),
            hint=Text("no construct needs this much nesting; check the indentation",
                      "任何结构都不需要这么深的缩进，请检查缩进"))
    width = len(source.line_text(line)) - len(source.line_text(line).lstrip(" "))
    options = [str(n) for n in err.levels]
    choices = ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]
    choices_zh = "、".join(options)
    return diagnostic(
        "PD005", span,
        Text(f"this line is indented by {width} spaces, which matches no outer block",
             f"这一行缩进了 {width} 个空格，与外层的任何块都对不齐"),
        label=Text("indentation", "缩进"),
        hint=Text(f"indent it like the lines of the block it belongs to: {choices} spaces",
                  f"请与所属块的其他行对齐：缩进 {choices_zh} 个空格"))


BlockParser = Callable[[SourceFile, Block, frozenset[int]], tuple[list[Any], list[Diagnostic]]]


def parse_block(source: SourceFile, block: Block,
                bad_lines: frozenset[int]) -> tuple[list[Any], list[Diagnostic]]:
    """Return the model nodes of one top-level block and its syntax diagnostics (those
    on ``bad_lines`` were reported by the prescan already)."""
    text = block.text if block.text.endswith("\n") else block.text + "\n"
    try:
        tree = lark_parser().parse(text)
    except IndentError as err:
        diag = _indent_diagnostic(source, block, err)
        return [], [] if diag.span.line in bad_lines else [diag]
    except UnexpectedInput as err:
        found = describe_syntax_error(source, block, err)
        if found is None or found.span.line in bad_lines or (
                found.code == "PD008" and found.span.line - 1 in bad_lines):
            return [], []  # already reported by the prescan, which said it better
        return [], [found]
    except RecursionError:
        span = source.span(block.offset, block.offset)
        return [], [diagnostic("PD006", span, Text(
            "this definition is nested too deeply to read",
            "该定义嵌套过深，无法读取"))]
    builder = ToModel(source, block.offset)
    # VisitError wraps whatever a ToModel method raised, which is a bug in procdsl; a
    # RecursionError is nesting deeper than Python's stack.  Both are reported, not hidden.
    try:
        items = builder.transform(tree)
    except (VisitError, RecursionError) as err:
        span = source.span(block.offset, block.offset)
        return [], [diagnostic("PD008", span, Text(
            f"procdsl could not understand this definition ({type(err).__name__}); "
            "please report it", f"procdsl 无法理解该定义（{type(err).__name__}），请报告此问题"))]
    return items, builder.diagnostics


def parse_source(source: SourceFile, blocks: BlockParser = parse_block) -> ParseResult:
    """Return the model of one spec (names resolved, nothing checked yet) and diagnostics.

    ``blocks`` parses one top-level block; an editor passes one that remembers the blocks
    a keystroke did not touch (it must return what ``parse_block`` returns)."""
    scan = prescan(source)
    diags = list(scan.diagnostics)
    if scan.blocks == () and not diags:
        diags.append(diagnostic("PD011", source.span(0, 0), Text(
            "the spec is empty", "规格文件为空"),
            hint=Text("start with a header line: process NAME \"Title\"",
                      "请以流程头开始：流程 名称 \"标题\"")))
    if len(scan.blocks) > MAX_DEFINITIONS:
        extra = scan.blocks[MAX_DEFINITIONS]
        diags.append(diagnostic("PD006", source.span(extra.offset, extra.offset), Text(
            f"the spec has {len(scan.blocks):,} definitions; procdsl reads at most "
            f"{MAX_DEFINITIONS:,} in one spec (a real process has tens)",
            f"规格文件中有 {len(scan.blocks):,} 个定义；一个规格文件最多 {MAX_DEFINITIONS:,} 个"
            "（实际流程通常只有几十个）"),
            label=Text("one too many", "超出上限"),
            hint=Text("split the process into smaller ones that call each other with "
                      "'run NAME'", "请把流程拆分为几个较小的流程，用“调用 名称”相互调用")))
        return ParseResult(None, tuple(diags), frozenset())
    definitions: list[Any] = []
    broken: set[str] = set()
    for block in scan.blocks:
        if len(diags) >= MAX_SYNTAX_ERRORS:
            diags.append(diagnostic("PD006", source.span(block.offset, block.offset), Text(
                f"stopped reading after {MAX_SYNTAX_ERRORS} problems; is this a procdsl spec?",
                f"发现 {MAX_SYNTAX_ERRORS} 个问题后停止读取；这是 procdsl 规格文件吗？")))
            break
        items, block_diags = blocks(source, block, scan.bad_lines)
        diags.extend(block_diags)
        if not items:
            header = _HEADER_NAME.match(block.text)
            if header:
                broken.add(header.group(1))
        for item in items:
            definitions.extend(item if isinstance(item, list) else [item])
    process_broken = any(_HEADER_NAME.match(b.text) and b.text.split(None, 1)[0].lower()
                         in ("process", "流程") for b in scan.blocks) and not any(
        isinstance(d, m.Process) for d in definitions)
    spec = _assemble(source, definitions, diags, process_broken)
    return ParseResult(resolve(spec) if spec else None, tuple(diags), frozenset(broken))


def _assemble(source: SourceFile, definitions: list[Any], diags: list[Diagnostic],
              process_broken: bool) -> m.Spec | None:
    processes = [d for d in definitions if isinstance(d, m.Process)]
    for extra in processes[1:]:
        diags.append(diagnostic(
            "PD103", extra.name.span, Text(
                f"a second process header '{extra.name.text}'; a spec describes one process",
                f"第二个流程头“{extra.name.text}”；一个规格文件只描述一个流程"),
            hint=Text("put each process in its own .proc file; one can call another with "
                      "'run NAME'", "每个流程放在单独的 .proc 文件中，可用“调用 名称”引用")))
    if processes:
        process = processes[0]
    else:
        if not definitions:
            return None
        stem = Path(source.path).stem
        span = source.span(0, 0)
        process = m.Process(
            name=m.Name(text=stem, span=span), title=None, version=None, owner=None, lang="en",
            purpose=None, scope=None, references=(), description=None, sla=None,
            calendar=None, start=None, withdraw=None, cancels=(), actions=(), span=span)
        if not process_broken:  # a broken header has its own syntax error
            diags.append(diagnostic("PD102", span, Text(
                "the spec has no process header", "规格文件缺少流程头"),
                hint=Text(f"start the file with: process {stem} \"Title\"",
                          f"请在文件开头写：流程 {stem} \"标题\"")))
    return m.Spec(
        path=source.path, process=process,
        calendars=tuple(d for d in definitions if isinstance(d, m.Calendar)),
        roles=tuple(d for d in definitions if isinstance(d, m.Role)),
        fields=tuple(d for d in definitions if isinstance(d, m.Field)),
        tasks=tuple(d for d in definitions if isinstance(d, m.Task)),
        rules=tuple(d for d in definitions if isinstance(d, m.Rule)),
        ends=tuple(d for d in definitions if isinstance(d, m.End)))


def read_source(path: str, data: bytes) -> tuple[SourceFile, list[Diagnostic]]:
    """Decode spec bytes as UTF-8 (a BOM is fine); undecodable bytes become PD001."""
    try:
        return SourceFile.from_text(path, data.decode("utf-8")), []
    except UnicodeDecodeError as err:
        text = data.decode("utf-8", errors="replace")
        source = SourceFile.from_text(path, text)
        prefix = data[: err.start].decode("utf-8", errors="replace")
        offset = len(SourceFile.from_text(path, prefix).text)
        span: Span = source.span(offset, offset + 1)
        return source, [diagnostic("PD001", span, Text(
            f"byte 0x{data[err.start]:02x} at offset {err.start} is not UTF-8; "
            "procdsl reads specs as UTF-8 text",
            f"偏移 {err.start} 处的字节 0x{data[err.start]:02x} 不是 UTF-8 编码"),
            hint=Text("save the file as UTF-8 (in Notepad: Save As, Encoding: UTF-8)",
                      "请将文件另存为 UTF-8 编码（记事本：另存为，编码选 UTF-8）"))]
