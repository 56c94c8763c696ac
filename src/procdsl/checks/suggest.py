"""Suggestions for misspelt names: "did you mean 复核 (line 21)?"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..diagnostics import Text
from ..model import Name


def closest(word: str, candidates: Iterable[Name]) -> Name | None:
    """Return the candidate name closest to ``word``, if any is close enough."""
    by_text: dict[str, Name] = {}
    for c in candidates:
        by_text.setdefault(c.text, c)
    if not by_text:
        return None
    # Short CJK names differ by one character in two: accept a lower ratio for them.
    cutoff = 0.5 if len(word) <= 3 else 0.6
    found = difflib.get_close_matches(word, list(by_text), n=1, cutoff=cutoff)
    return by_text[found[0]] if found else None


def did_you_mean(word: str, candidates: Iterable[Name]) -> Text | None:
    """Return a "did you mean X (line N)?" hint, or None when nothing is close."""
    match = closest(word, candidates)
    if match is None:
        return None
    line = match.span.line
    return Text(f"did you mean {match.text} (line {line})?",
                f"是否应为 {match.text}（第 {line} 行）？")
