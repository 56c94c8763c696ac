"""Checks: the text a spec writes (titles, names, descriptions, values) can be shown.

Every string reaches an SVG, a manual or a module.  Noncharacters (U+FFFE, U+FFFF,
U+FDD0..U+FDEF and the last two code points of every plane) are not allowed in XML, so
Graphviz refuses a diagram holding one, and they stand for nothing a person could mean;
Graphviz cannot lay out a label of many kilobytes either.  Both are reported here, at the
spec, rather than as a failure of a later tool.  (Control and bidi characters are
allowed: each emitter writes them as visible escapes.)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic, Text, diagnostic
from ..source import Span
from .context import Check, CheckContext

MAX_TITLE = 2000  # characters in a title, name or value: a diagram label, not a page
# (Graphviz refuses a quoted string over 16384 bytes; 2000 CJK characters are 6 KB)

# Prose that only the manual shows (any length is fine there).
_PROSE = frozenset({"description", "purpose", "scope", "checklist"})
_SKIP = frozenset({"span", "path"})

_WHAT = {"title": ("title", "标题"), "owner": ("owner", "负责人"), "version": ("version", "版本"),
         "name": ("name", "名称"), "text": ("name", "名称"), "description": ("description", "说明"),
         "purpose": ("purpose", "目的"), "scope": ("scope", "范围")}


_NONCHARACTER = re.compile("[\uFDD0-\uFDEF" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)) + "]")


def noncharacter(text: str) -> str | None:
    """Return the first Unicode noncharacter in text, or None."""
    found = _NONCHARACTER.search(text)
    return found.group() if found else None


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # a model class -> the fields walked


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:  # the model's classes: a small, fixed set
        names = _FIELD_NAMES[kind] = tuple(
            f.name for f in dataclasses.fields(kind) if f.name not in _SKIP)
    return names


def _texts(node: object, span: Span | None, owner: str,
           out: list[tuple[str, str, Span | None]]) -> list[tuple[str, str, Span | None]]:
    """Append (field, text, span) for every string in node, with the nearest span, to out."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        name = getattr(node, "name", None)
        near = getattr(name, "span", None) or getattr(node, "span", None) or span
        for field_name in _field_names(type(node)):
            value = getattr(node, field_name)
            if isinstance(value, str):
                out.append((field_name if field_name != "text" or owner == "" else owner,
                            value, near))
            elif isinstance(value, tuple | list | frozenset) or dataclasses.is_dataclass(value):
                _texts(value, near, field_name, out)
    elif isinstance(node, tuple | list | frozenset):
        for item in node:
            if isinstance(item, str):
                out.append((owner, item, span))
            elif isinstance(item, tuple | list | frozenset) or dataclasses.is_dataclass(item):
                _texts(item, span, owner, out)
    return out


def _describe(field: str) -> tuple[str, str]:
    return _WHAT.get(field, ("text", "文字"))


def _may_hold_unshowable_text(source: str) -> bool:
    """False when no text parsed from source can be reported: every string and name of a
    spec lies on one line of its source, so none is longer than the longest line, and
    none holds a noncharacter the source does not hold."""
    if noncharacter(source) is not None:
        return True
    return max(map(len, source.split("\n")), default=0) > MAX_TITLE


def check_text_can_be_shown(ctx: CheckContext) -> Iterator[Diagnostic]:
    """No noncharacter or control character in any text; titles and names of sane length."""
    if ctx.source and not _may_hold_unshowable_text(ctx.source):
        return
    for field, text, span in _texts(ctx.spec, None, "", []):
        if span is None:
            continue
        en, zh = _describe(field)
        char = noncharacter(text)
        if char is not None:
            code = f"U+{ord(char):04X}"
            yield diagnostic("PD116", span, Text(
                f"the {en} holds {code}, a Unicode noncharacter no diagram or manual can show",
                f"{zh}中含有 {code}，这是 Unicode 非字符，图和手册都无法显示"),
                label=Text(f"{en} with {code}", f"含 {code} 的{zh}"),
                hint=Text(f"delete {code} from the spec (it is often left by a bad copy or "
                          "conversion)", f"请从规格文件中删除 {code}（多由错误的复制或转换留下）"))
        if field not in _PROSE and len(text) > MAX_TITLE:
            yield diagnostic("PD117", span, Text(
                f"the {en} is {len(text)} characters long; at most {MAX_TITLE} fit a diagram",
                f"{zh}长 {len(text)} 个字符，图中最多容纳 {MAX_TITLE} 个"),
                label=Text(f"{en} too long", f"{zh}过长"),
                hint=Text("keep it short and put the details in a description line",
                          "请写得简短些，把详细内容写在“说明”行中"))


CHECKS: tuple[Check, ...] = (check_text_can_be_shown,)
