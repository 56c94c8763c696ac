"""``procdsl build`` writes the same bytes under any hash seed, locale or job count."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SPECS = ("registration_zh.proc", "lang_pattern_multi_choice.proc")


def _locales() -> set[str]:
    done = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    return {name.lower().replace("-", "") for name in done.stdout.split()}


# (PYTHONHASHSEED, locale variables, extra build options); the first is the baseline.
VARIANTS = [
    ("0", {"LC_ALL": "C"}, []),
    ("1", {"LC_ALL": "C.UTF-8"}, []),
    ("random", {"LC_ALL": "C"}, []),
    ("4242", {"LC_ALL": "C.UTF-8"}, ["-j", "2"]),
]
if "zh_cn.utf8" in _locales():
    VARIANTS.append(("7", {"LANG": "zh_CN.UTF-8"}, []))


def build(root: Path, seed: str, locale: dict[str, str], options: list[str]) -> dict[str, bytes]:
    """Return every file ``procdsl build`` writes for the two specs, run in a fresh process."""
    specs, out = root / "specs", root / "out"
    specs.mkdir(parents=True)
    for name in SPECS:
        shutil.copy(FIXTURES / name, specs / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(locale, PYTHONHASHSEED=seed, XDG_CACHE_HOME=str(root / "cache"))
    done = subprocess.run([sys.executable, "-m", "procdsl", "build", "specs", "-o", "out",
                           *options], cwd=root, env=env, capture_output=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


@functools.cache
def baseline(tmp: str) -> dict[str, bytes]:
    """Return the baseline build's files."""
    seed, locale, options = VARIANTS[0]
    return build(Path(tmp) / "baseline", seed, locale, options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Return the files of the first variant's build."""
    return baseline(str(tmp_path_factory.mktemp("determinism")))


def test_the_build_writes_every_artifact(reference: dict[str, bytes]) -> None:
    for suffix in (".dot", ".svg", ".mmd", ".md", ".py", ".ir.json"):
        made = [f for f in reference if f.endswith(suffix) and f != "README.md"]
        assert len(made) == len(SPECS), suffix


@pytest.mark.parametrize(("seed", "locale", "options"), VARIANTS[1:],
                         ids=[f"seed={s}-{'-'.join(lc.values())}-j{o[-1] if o else 1}"
                              for s, lc, o in VARIANTS[1:]])
def test_same_bytes_under_another_seed_and_locale(
        reference: dict[str, bytes], tmp_path: Path, seed: str, locale: dict[str, str],
        options: list[str]) -> None:
    files = build(tmp_path, seed, locale, options)
    assert sorted(files) == sorted(reference)
    changed = [name for name in reference if files[name] != reference[name]]
    assert not changed
