""".ci/setup: finds installed tools and fonts reliably (no reinstall on every run)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

SETUP = Path(__file__).resolve().parent.parent / ".ci" / "setup"


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _dry_run(bin_dir: Path) -> str:
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin", PROCDSL_SETUP_DRY_RUN="1")
    done = subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout


def test_installed_cjk_fonts_are_found_even_when_the_font_list_is_long(tmp_path: Path) -> None:
    # The font comes first and the list is long: `fc-list | grep -q` under pipefail saw
    # SIGPIPE here and called the fonts missing.
    _tool(tmp_path, "fc-list", 'echo "Noto Sans CJK SC"; i=0; while [ $i -lt 20000 ]; do '
          'echo "Some Other Font $i"; i=$((i+1)); done')
    _tool(tmp_path, "dot", "exit 0")
    for _ in range(5):
        assert _dry_run(tmp_path).strip() == "setup: missing: nothing"


def test_missing_fonts_and_graphviz_are_named(tmp_path: Path) -> None:
    _tool(tmp_path, "fc-list", 'echo "DejaVu Sans"')
    out = _dry_run(tmp_path)
    assert "fonts-noto-cjk" in out
    if not any((Path(d) / "dot").exists() for d in ("/usr/bin", "/bin")):
        assert "graphviz" in out
