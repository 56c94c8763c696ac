"""Golden-file comparison shared by the snapshot tests."""

from __future__ import annotations

import difflib
from pathlib import Path


def assert_golden(path: Path, actual: str, update: bool) -> None:
    """Compare actual with the golden file, or rewrite it when update is set."""
    if update or not path.exists():
        if not update:
            raise AssertionError(f"golden file {path} is missing; run pytest --update-golden "
                                 "and review it")
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=str(path), tofile="actual"))
        raise AssertionError(f"output differs from {path.name} "
                             f"(pytest --update-golden rewrites it):\n{diff}")
