"""Character-level checks before parsing: tabs, full-width punctuation, open strings.

Each problem becomes a diagnostic and is repaired in a copy of the text with a
same-length replacement, so the parser can go on and every offset still points at the
original text.  The text is also cut into top-level blocks (a line at column 1 starts
one) so that one syntax error does not hide the problems in the other blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .diagnostics import Diagnostic, Text, diagnostic
from .source import SourceFile

MAX_CHARS = 64 * 1024 * 1024
MAX_INDENT_DEPTH = 16
MAX_PAREN_DEPTH = 32

FULL_WIDTH: dict[str, str] = {
    "，": ",", "、": ",", "：": ":", "（": "(", "）": ")", "＞": ">", "＜": "<",
    "＝": "=", "－": "-", "％": "%", "．": ".", "\u3000": " ", "＋": "+", "＊": "*",
    "／": "/", "！": "!",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
}
OPEN_QUOTES = {"“": "”", "\"": "\"", "「": "」"}


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level definition: its text and where it starts in the source."""

    text: str
    offset: int
    line: int


@dataclass(frozen=True, slots=True)
class Prescan:
    text: str
    blocks: tuple[Block, ...]
    diagnostics: tuple[Diagnostic, ...]
    bad_lines: frozenset[int]


# A line _scan_line leaves as it is, with nothing to report: no tab, full-width character
# or quote outside straight-quoted text, every such text closed, at most MAX_PAREN_DEPTH
# brackets (the caller counts those).  Most lines are like this; a regex says so at C speed.
_SPECIAL = re.escape("".join(sorted({*FULL_WIDTH, *OPEN_QUOTES})))
_PLAIN_LINE = re.compile(r'(?:[^\t"#' + _SPECIAL + r']|"(?:[^"\\]|\\.)*")*(?:#.*)?', re.S)


def _scan_line(source: SourceFile, line_no: int, start: int, line: str,
               out: list[str], diags: list[Diagnostic]) -> bool:
    """Repair one line into ``out``; return True when it had a problem."""
    problem = False
    quote_close: str | None = None
    quote_at = 0
    i = 0
    indent = True
    depth = 0
    while i < len(line):
        c = line[i]
        if quote_close is not None:
            if c == "\\" and i + 1 < len(line):
                out.append(c)
                out.append(line[i + 1])
                i += 2
                continue
            if c == quote_close:
                out.append("\"")
                quote_close = None
            elif c == "\"":
                out.append("'")  # a stray ASCII quote inside a Chinese-quoted string
            else:
                out.append(c)
            i += 1
            continue
        if c == "#":
            out.append(line[i:])
            break
        if c in OPEN_QUOTES:
            if c != "\"":
                diags.append(diagnostic(
                    "PD004", source.span(start + i, start + i + 1),
                    Text(f"use straight quotes \"...\" around text, not {c}",
                         f"文字请用半角引号 \"...\" 括起来，不要用 {c}"),
                    label=Text("full-width quote", "全角引号"),
                    hint=Text("replace “ and ” with \"", "把 “ 和 ” 换成 \"")))
                problem = True
            quote_close = OPEN_QUOTES[c]
            quote_at = i
            out.append("\"")
            indent = False
            i += 1
            continue
        if c in "(（":
            depth += 1
            if depth == MAX_PAREN_DEPTH + 1:
                diags.append(diagnostic(
                    "PD006", source.span(start + i, start + i + 1),
                    Text(f"brackets nested more than {MAX_PAREN_DEPTH} deep",
                         f"括号嵌套超过 {MAX_PAREN_DEPTH} 层"),
                    hint=Text("split the condition into simpler ones", "请把条件拆分得简单一些")))
                problem = True
        elif c in ")）":
            depth -= 1
        if c == "\t":
            where = "indentation" if indent else "spacing"
            diags.append(diagnostic(
                "PD002", source.span(start + i, start + i + 1),
                Text(f"a tab is used for {where}; procdsl uses spaces only",
                     "使用了制表符 (Tab)；procdsl 只接受空格"),
                label=Text("tab", "制表符"),
                hint=Text("indent with spaces (two per level is usual); most editors can "
                          "convert tabs to spaces", "请用空格缩进（通常每级两个空格）")))
            out.append(" ")
            problem = True
        elif c in FULL_WIDTH:
            ascii_c = FULL_WIDTH[c]
            shown = "space" if ascii_c == " " else f"'{ascii_c}'"
            diags.append(diagnostic(
                "PD004", source.span(start + i, start + i + 1),
                Text(f"full-width '{c}' where {shown} is needed",
                     f"此处需要半角 {shown}，而不是全角 '{c}'"),
                label=Text(f"write {shown}", f"改为 {shown}"),
                hint=Text(f"replace '{c}' with {shown} (switch the input method to half-width)",
                          f"把 '{c}' 换成 {shown}（输入法切换到半角）")))
            out.append(ascii_c)
            problem = True
        else:
            out.append(c)
        if c != " " and c != "\t":
            indent = False
        i += 1
    if quote_close is not None:
        diags.append(diagnostic(
            "PD003", source.span(start + quote_at, start + len(line)),
            Text("this text has no closing quote on its line", "这段文字在行内缺少结尾引号"),
            label=Text("text starts here", "文字从这里开始"),
            hint=Text("add \" at the end of the text; text cannot run over several lines",
                      "在文字末尾加上 \"；文字不能跨行")))
        problem = True
    return problem


def prescan(source: SourceFile) -> Prescan:
    """Return the repaired text, its top-level blocks and the character-level diagnostics."""
    diags: list[Diagnostic] = []
    if len(source.text) > MAX_CHARS:
        diags.append(diagnostic(
            "PD006", source.span(0, 0),
            Text(f"the spec has {len(source.text):,} characters; procdsl reads at most "
                 f"{MAX_CHARS:,}",
                 f"规格文件有 {len(source.text):,} 个字符，超过上限 {MAX_CHARS:,}"),
            hint=Text("split the process into subprocesses (run NAME)",
                      "请把流程拆分为子流程（调用 NAME）")))
        return Prescan(source.text, (), tuple(diags), frozenset())
    out: list[str] = []
    bad: set[int] = set()
    blocks: list[Block] = []
    block_start = block_line = -1
    offset = 0
    plain = _PLAIN_LINE.fullmatch
    for line_no, line in enumerate(source.text.split("\n"), start=1):
        if plain(line) and line.count("(") <= MAX_PAREN_DEPTH:
            repaired = line
        else:
            before = len(out)
            if _scan_line(source, line_no, offset, line, out, diags):
                bad.add(line_no)
            repaired = "".join(out[before:])
            del out[before:]
        out.append(repaired)
        stripped = repaired.lstrip(" ")
        if repaired and repaired[0] != " " and not stripped.startswith("#"):
            if block_start >= 0:
                blocks.append(Block("", block_start, block_line))
            block_start, block_line = offset, line_no
        out.append("\n")
        offset += len(line) + 1
    text = "".join(out)[: len(source.text)]
    if block_start >= 0:
        blocks.append(Block("", block_start, block_line))
    filled = []
    for n, block in enumerate(blocks):
        end = blocks[n + 1].offset if n + 1 < len(blocks) else len(text)
        filled.append(Block(text[block.offset:end], block.offset, block.line))
    return Prescan(text, tuple(filled), tuple(diags), frozenset(bad))
