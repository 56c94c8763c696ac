"""Turn Lark's parse errors into diagnostics a process owner can act on.

Expected terminals are named in words ("a name", "the end of the line", 'by'/由),
likely typos of keywords get "did you mean", and common slips (a Chinese keyword
glued to the next word, an unknown time unit) get their own messages.
"""

from __future__ import annotations

import difflib

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, Text, diagnostic
from .keywords import BY_TERMINAL
from .prescan import FULL_WIDTH, OPEN_QUOTES, Block
from .source import SourceFile, Span

_WORDS: dict[str, tuple[str, str]] = {
    "NAME": ("a name", "名称"),
    "STRING": ("text in double quotes", "带双引号的文字"),
    "INT_NUMBER": ("a whole number", "整数"),
    "DECIMAL_NUMBER": ("a number", "数字"),
    "DATE": ("a date like 2026-10-01", "日期（如 2026-10-01）"),
    "CLOCK": ("a time like 09:00", "时刻（如 09:00）"),
    "PERCENT": ("a percentage like 75%", "百分比（如 75%）"),
    "VERSION_TEXT": ("a version like 1.2", "版本号（如 1.2）"),
    "ZONE": ("a time zone like Asia/Shanghai", "时区（如 Asia/Shanghai）"),
    "ARROW": ("'->'", "“->”"),
    "COMPARE": ("a comparison (==, !=, <, <=, >, >=)",
                "比较（==、!=、<、<=、>、>=，或 等于、大于、小于 等）"),
    "PLUS": ("'+'", "“+”"),
    "MINUS": ("'-'", "“-”"),
    "MUL_OP": ("'*' or '/'", "“*” 或 “/”"),
    "_NL": ("the end of the line", "行尾"),
    "_INDENT": ("an indented block below", "下一行缩进的内容"),
    "_DEDENT": ("the end of the block", "块的结束"),
    "$END": ("the end of the file", "文件结尾"),
    "LPAR": ("'('", "“(”"),
    "RPAR": ("')'", "“)”"),
    "COMMA": ("','", "“,”"),
    "COLON": ("':'", "“:”"),
}
_UNITS = ("MINUTES", "HOURS", "WORK_HOURS", "DAYS", "WORKDAYS", "WEEKS")
_DEFINITIONS = ("PROCESS", "CALENDAR", "ROLES", "DATA", "STEP", "APPROVAL", "RULE", "END")


def _word(terminal: str, lang: str) -> str:
    kw = BY_TERMINAL.get(terminal)
    if kw is not None:
        return f"'{kw.en}'" if lang == "en" else f"“{kw.zh}”"
    en, zh = _WORDS.get(terminal, (f"'{terminal.strip('_').lower()}'",) * 2)
    return en if lang == "en" else zh


# Optional trailers any line may end with (依据 / 补充): named only when nothing else fits,
# so a mistake is not answered with "expected ..., 'source', 'added'".
# ``由 X 指定的人`` (by person in field X) too: after a name it is rarely what was meant.
_TRAILERS = frozenset({"SOURCE", "ADDED", "PERSON_IN"})


def _expected_text(expected: set[str], lang: str) -> str:
    # Names and values first ("a name or 'end'"), then keywords, each alphabetically.
    expected = (expected - _TRAILERS) or expected
    names = [w for _, w in sorted({(t in BY_TERMINAL, _word(t, lang))
                                   for t in expected if not t.startswith("__")})]
    if len(names) > 8:
        names = names[:8] + (["..."] if lang == "en" else ["……"])
    if lang == "zh":
        return "、".join(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _expected(expected: set[str]) -> Text:
    return Text(_expected_text(expected, "en"), _expected_text(expected, "zh"))


def _spellings(expected: set[str]) -> list[tuple[str, str]]:
    return [(spelling, t) for t in expected if t in BY_TERMINAL
            for spelling in BY_TERMINAL[t].spellings]


def _did_you_mean(word: str, expected: set[str]) -> str | None:
    options = {s: t for s, t in _spellings(expected)}
    match = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.7)
    return match[0] if match else None


def _glued(word: str, expected: set[str]) -> str | None:
    """Return the keyword that ``word`` starts with (由客户 -> 由), if any."""
    best = None
    for spelling, _ in _spellings(expected):
        if len(spelling) < len(word) and word.startswith(spelling) and not spelling.isascii() \
                and (best is None or len(spelling) > len(best)):
            best = spelling
    return best


def _indented_line(source: SourceFile, at: Span) -> Span:
    """Return the indentation of the line an _INDENT token stands for.

    The token sits at the end of the line above (where the newline is); the culprit is
    the next line with text, indented further than that line."""
    at_end = at.column > len(source.line_text(at.line))
    for line in range(at.line + 1 if at_end else at.line, source.line_count + 1):
        text = source.line_text(line)
        if text.strip() and not text.lstrip(" ").startswith("#"):
            start = source.line_start(line)
            width = len(text) - len(text.lstrip(" "))
            return source.span(start, start + max(width, 1))
    return at


def _token_span(source: SourceFile, block: Block, token: Token) -> Span:
    start = block.offset + (token.start_pos or 0)
    if token.type == "_NL":
        return source.span(start, start)
    return source.span(start, block.offset + (token.end_pos or start - block.offset))


# Keywords that can start a line inside a step or approval.
_TASK_LINE_STARTS = {"BY", "NOT", "WHEN", "ALSO", "THEN", "OTHERWISE", "APPROVE", "REJECT",
                     "RETURN", "INPUT", "OUTPUT", "CHECK", "NOTIFY", "SLA", "WAIT", "FOR_EACH",
                     "RUN", "DESCRIPTION"}


def _line_start_word(source: SourceFile, span: Span) -> tuple[str, Span] | None:
    """Return the first word of an indented line that reads as a custom outcome by mistake.

    Inside a task any word can start an outcome line (``补充材料 -> 准备资料``), so a
    misspelt keyword (``thne 下单``) or a glued one (``由采购员``) only fails later in the
    line; the useful message is about the first word.
    """
    text = source.line_text(span.line)
    stripped = text.lstrip(" ")
    if not stripped or stripped == text or "->" in text or "→" in text:
        return None
    word = stripped.split(" ", 1)[0]
    if not word.replace("_", "a").isalnum() or any(
            word.lower() in BY_TERMINAL[t].spellings for t in _TASK_LINE_STARTS):
        return None
    column = len(text) - len(stripped) + 1
    start = span.start - (span.column - column)
    return word, source.span(start, start + len(word))


def _unknown_line_start(found: tuple[str, Span]) -> Diagnostic:
    word, span = found
    starts = set(_TASK_LINE_STARTS)
    glued = _glued(word, starts)
    guess = _did_you_mean(word, starts)
    if glued:
        rest = word[len(glued):]
        hint = Text(f"put a space after '{glued}': {glued} {rest}",
                    f"请在“{glued}”后加一个空格：{glued} {rest}")
    elif guess:
        hint = Text(f"did you mean '{guess}'?", f"是否应为“{guess}”？")
    else:
        hint = Text("a line in a step starts with by, then, when, otherwise, input, output, "
                    "check, notify, sla, wait, for each or run; an outcome line is "
                    "'NAME -> NEXT'",
                    "步骤中的一行以 由、然后、如果、否则、输入、输出、检查项、抄送、"
                    "时限、等待、对每个 或 调用 开头；结果路由写作“名称 -> 下一步”")
    return diagnostic("PD008", span, Text(
        f"'{word}' does not start any kind of line", f"“{word}”不是任何一种行的开头"),
        label=Text("unknown word", "无法识别的词"), hint=hint)


def _unexpected_token(source: SourceFile, block: Block, err: UnexpectedToken) -> Diagnostic:
    token = err.token
    expected = set(err.accepts or err.expected)
    span = _token_span(source, block, token)
    want = _expected(expected)
    if token.type == "_NL" or str(token).replace("_", "a").isalnum():
        line_start = _line_start_word(source, span)
        if line_start is not None and expected <= {"ARROW", "WHEN"}:
            return _unknown_line_start(line_start)
    if token.type in ("_NL", "$END", "_DEDENT"):
        return diagnostic("PD009", span, Text(
            f"this line ends too early: expected {want.en}",
            f"这一行不完整：此处应为{want.zh}"),
            label=Text(f"expected {want.en}", f"缺少{want.zh}"))
    if token.type == "_INDENT":
        span = _indented_line(source, span)
        return diagnostic("PD008", span, Text(
            "this line is indented, but the line above does not open a block",
            "这一行有缩进，但上一行并不开始一个块"),
            label=Text("unexpected indentation", "多余的缩进"),
            hint=Text("indent it like the line above, or check the line above for a "
                      "missing part", "请与上一行对齐，或检查上一行是否缺少内容"))
    text = str(token)
    # Where a name is not acceptable the root lexer may type a word as another terminal.
    wordlike = text.replace("_", "a").isalnum()
    if expected and expected <= set(_UNITS) | {"_NL"} and wordlike:
        guess = _did_you_mean(text, set(_UNITS))
        unit_hint = (Text(f"did you mean '{guess}'?", f"是否应为“{guess}”？") if guess else
                     Text("units are minutes, hours, work hours, days, workdays, weeks",
                          "单位可以是：分钟、小时、工作小时、天、工作日、周"))
        return diagnostic("PD010", span, Text(
            f"'{text}' is not a time unit", f"“{text}”不是时间单位"),
            label=Text("unknown unit", "未知单位"), hint=unit_hint)
    hint: Text | None = None
    glued = _glued(text, expected) if wordlike else None
    guess = _did_you_mean(text, expected) if wordlike else None
    if glued:
        rest = text[len(glued):]
        hint = Text(f"put a space after '{glued}': {glued} {rest}",
                    f"请在“{glued}”后加一个空格：{glued} {rest}")
    elif guess:
        hint = Text(f"did you mean '{guess}'?", f"是否应为“{guess}”？")
    elif text in ("万", "千", "亿", "k", "K", "w", "W"):
        hint = Text("write the whole number: 50000, not 5万 or 50k",
                    "请写完整的数字，例如 50000，而不是 5万")
    elif text in ("和", "与", "及", "and", "且") and "COMMA" in expected:
        hint = Text("separate names with commas; for approvers say how they decide: "
                    "'by all of A, B' (countersign) or 'by any of A, B'",
                    "多个名称用逗号分隔；审批人请说明方式：“由 全部 A, B”（会签）或“由 任一 A, B”（或签）")
    elif expected and expected <= set(_DEFINITIONS) | {"$END"}:
        hint = Text("a definition starts with process, calendar, roles, data, step, "
                    "approval, rule or end (or 流程、日历、角色、数据、步骤、审批、规则、结束)",
                    "定义以 流程、日历、角色、数据、步骤、审批、规则 或 结束 开头")
    shown = text if len(text) <= 40 else text[:37] + "..."
    return diagnostic("PD008", span, Text(
        f"unexpected '{shown}' here: expected {want.en}",
        f"此处不应出现“{shown}”：应为{want.zh}"),
        label=Text(f"expected {want.en}", f"应为{want.zh}"), hint=hint)


def _unexpected_character(source: SourceFile, block: Block, err: UnexpectedCharacters
                          ) -> Diagnostic | None:
    offset = block.offset + (err.pos_in_stream or 0)
    char = source.text[offset] if offset < len(source.text) else ""
    if char in FULL_WIDTH or char in OPEN_QUOTES or char == "\t":
        return None  # the prescan has reported it
    span = source.span(offset, offset + 1)
    hints = {
        "'": Text("text goes in double quotes: \"...\"", "文字请用双引号括起来：\"...\""),
        ";": Text("put each item on its own line", "每一项单独写一行"),
        "：": Text("write ':'", "请改为半角“:”"),
    }
    printable = char if char.isprintable() else f"\\u{ord(char):04x}"
    expected = set(err.allowed or ())
    want = _expected(expected) if expected else None
    msg = Text(f"'{printable}' has no meaning here"
               + (f": expected {want.en}" if want else ""),
               f"此处不能出现“{printable}”" + (f"：应为{want.zh}" if want else ""))
    return diagnostic("PD007", span, msg, label=Text("here", "这里"), hint=hints.get(char))


def describe_syntax_error(source: SourceFile, block: Block, err: UnexpectedInput
                          ) -> Diagnostic | None:
    """Return the diagnostic for a Lark error in one block (None if already reported)."""
    if isinstance(err, UnexpectedCharacters):
        return _unexpected_character(source, block, err)
    if isinstance(err, UnexpectedToken):
        return _unexpected_token(source, block, err)
    if isinstance(err, UnexpectedEOF):
        end = block.offset + len(block.text)
        want = _expected(set(err.expected))
        return diagnostic("PD009", source.span(end, end), Text(
            f"the definition ends too early: expected {want.en}",
            f"定义不完整：此处应为{want.zh}"))
    return diagnostic("PD008", source.span(block.offset, block.offset), Text(
        "this definition could not be read", "无法读取该定义"))
