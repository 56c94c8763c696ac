"""``procdsl fmt``: one canonical layout for specs, keeping every comment.

The formatter changes only white space: two spaces per block level, one space between
words, ``a, b`` after commas, `` -> `` around arrows, two spaces before a trailing
comment, one blank line between top-level definitions.  Words, keywords (English or
Chinese, as written) and text are never changed, so the formatted spec has the same
model as the original; only specs that parse are formatted.
"""

from __future__ import annotations

import re

from .keywords import BY_TERMINAL, KEYWORDS

# Keywords spelt with a hyphen (make-up) or an apostrophe (requester's) are one word, not a
# subtraction or a stray quote; each word of a keyword of several words counts alone.
_HYPHENATED = "|".join(sorted({re.escape(part) for k in KEYWORDS for w in k.spellings
                               for part in w.split(" ") if "-" in part or "'" in part},
                              key=len, reverse=True))

_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\\n]|\\.)*"?)
  | (?P<comment>\#.*)
  | (?P<atom>(?i:""" + _HYPHENATED + r""")(?!\w)
              |\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|\d[\d_]*(?:\.\d+)?%?|[^\W\d]\w*(?:/[\w+\-]+)*
              |\d[\w.\-]*)
  | (?P<arrow>->|→|=>)
  | (?P<op>==|!=|<=|>=|\.\.|[<>=≠≤≥+\-*/×÷])
  | (?P<punct>[(),:])
  | (?P<other>\S)
""", re.VERBOSE)

_OPERATORS = {"==", "!=", "<=", ">=", "<", ">", "=", "≠", "≤", "≥", "+", "-", "*", "/",
              "×", "÷", "->", "→", "=>"}
# Words after which a '-' is a sign, not a subtraction: 金额 大于 -5, when -x > 3.
_BEFORE_SIGN = {"when", "如果", "若", "当", "and", "or", "not", "且", "并且", "或", "或者", "不",
                "非", "大于", "小于", "等于", "不等于", "大于等于", "小于等于", "不大于", "不小于",
                "超过", "不超过", "低于", "不低于", "早于", "晚于", "不早于", "不晚于", "until",
                "直到", *BY_TERMINAL["RANGE"].spellings}  # range -5..5


def _tokens(code: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(code)]


_ORDINAL = re.compile(r"(?i)(?:st|nd|rd|th)-level")


def _join(tokens: list[tuple[str, str]]) -> str:
    """Join a line's tokens with canonical spacing."""
    out = ""
    prev_kind, prev = "", ""
    for i, (kind, text) in enumerate(tokens):
        if i == 0:
            out = text
        elif text in (",", ")", ":", "..") or prev in ("(", "..") or (
                text == "(" and prev_kind == "atom" and prev.lower() in ("enum", "枚举", "选项")):
            out += text
        elif prev == "-" and (i < 2 or tokens[i - 2][1] in _OPERATORS | {"(", ",", ".."}
                              or tokens[i - 2][0] == "atom" and
                              tokens[i - 2][1].lower() in _BEFORE_SIGN):
            out += text  # unary minus: -5
        elif text == "-" and prev_kind == "atom" and ":" in prev and i + 1 < len(tokens) \
                and ":" in tokens[i + 1][1]:
            out += text  # 09:00-12:00
        elif prev == "-" and ":" in text and i >= 2 and ":" in tokens[i - 2][1]:
            out += text
        elif kind == "comment":
            out += "  " + text
        elif prev.isdigit() and _ORDINAL.fullmatch(text):
            out += text  # 2nd-level
        else:
            out += " " + text
        prev_kind, prev = kind, text
    return out


# A version (2.3.1-rc1) is one word, though it looks like numbers and operators.
_VERSION_WORDS = "|".join(re.escape(w) for w in BY_TERMINAL["VERSION"].spellings)
_VERSION = re.compile(f"(?i)({_VERSION_WORDS})[ ]+([0-9A-Za-z][0-9A-Za-z._\\-]*)((?:[ ].*)?)")


def _format_line(code: str) -> str:
    """Return one line's code in canonical spacing."""
    found = _VERSION.fullmatch(code)
    if found is None:
        return _join(_tokens(code))
    head = f"{found.group(1)} {found.group(2)}"
    rest = _tokens(found.group(3).strip())
    if not rest:
        return head
    return head + ("  " if rest[0][0] == "comment" else " ") + _join(rest)


def format_text(text: str) -> str:
    """Return text in canonical layout (it must already parse)."""
    lines = text.replace("\r\n", "\n").lstrip("\ufeff").split("\n")
    code_indents = [len(r) - len(r.lstrip(" ")) if r.strip() and not r.strip().startswith("#")
                    else -1 for r in lines]
    levels = [0]
    last_top_single = False
    out: list[str] = []
    pending_comments: list[str] = []
    blank = False
    for index, raw in enumerate(lines):
        stripped = raw.strip(" ")
        if not stripped:
            blank = bool(out) or bool(pending_comments)
            continue
        if stripped.startswith("#"):
            if blank and (out or pending_comments):
                pending_comments.append("")
            pending_comments.append(stripped)
            blank = False
            continue
        if blank and pending_comments:
            pending_comments.append("")  # keep the blank line between comments and code
            blank = False
        indent = len(raw) - len(raw.lstrip(" "))
        if indent > levels[-1]:
            levels.append(indent)
        else:
            while len(levels) > 1 and indent < levels[-1]:
                levels.pop()
        depth = len(levels) - 1
        single = depth == 0 and next((i for i in code_indents[index + 1:] if i >= 0), 0) == 0
        if depth == 0 and out and not (single and last_top_single and not blank):
            if out[-1] != "":
                out.append("")
        elif blank and out and out[-1] != "":
            out.append("")
        if depth == 0:
            last_top_single = single
        pad = "  " * depth
        if pending_comments and pending_comments[0] == "" and (not out or out[-1] == ""):
            pending_comments.pop(0)
        for comment in pending_comments:
            out.append(pad + comment if comment else "")
        pending_comments = []
        blank = False
        out.append(pad + _format_line(stripped))
    if pending_comments:
        if out and out[-1] != "":
            out.append("")
        out.extend(pending_comments)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
