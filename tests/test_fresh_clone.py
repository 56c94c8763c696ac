"""A fresh clone and the README's two commands, as a new user runs them.

The clone is of the repository's last commit; setup runs in a virtual environment of its
own (seeing this machine's packages), so the editable install it makes points at the
clone and leaves the one running these tests alone.  The system packages the setup script
would install are on this machine already (``.ci/setup`` has run), and the clone borrows
this checkout's two pinned npm folders rather than downloading them again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def _readme_command(purpose: str) -> str:
    """Return the README command that follows the comment naming purpose."""
    found = re.search(rf"# [^\n]*{purpose}[^\n]*\n([^\n]+)", README)
    assert found, f"the README has no command to {purpose}"
    return found.group(1).strip()


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: there is nothing to clone")
    base = tmp_path_factory.mktemp("fresh")
    where = base / "procdsl"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(where)], check=True)
    for folder in ("tests/bpmn_view", "tests/mermaid_check"):
        modules = ROOT / folder / "node_modules"
        if modules.is_dir():
            (where / folder / "node_modules").symlink_to(modules, target_is_directory=True)
    env_dir = base / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST", "COV_CORE", "COVERAGE"))}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(env_dir)
    env["PROCDSL_CACHE_DIR"] = str(base / "cache")
    env.pop("PYTHONPATH", None)
    return where, env


def _run(command: str, where: Path, env: dict[str, str],
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=where, env=env, text=True,
                          capture_output=True, timeout=timeout)


def test_the_build_command_sets_up_and_builds_what_is_committed(
        clone: tuple[Path, dict[str, str]]) -> None:
    where, env = clone
    command = _readme_command("compile every spec")
    assert command.startswith("bash .ci/setup && ")
    shutil.rmtree(where / "generated")
    done = _run(command, where, env)
    assert done.returncode == 0, done.stdout + done.stderr
    # the editable install is the clone's own, in the clone's environment
    found = _run('python3 -c "import procdsl; print(procdsl.__file__)"', where, env)
    assert found.stdout.strip() == str(where / "src" / "procdsl" / "__init__.py")
    # and the build wrote exactly what the repository holds
    same = subprocess.run(["git", "status", "--porcelain", "--", "generated"], cwd=where,
                          text=True, capture_output=True, check=True)
    assert same.stdout == "", same.stdout
    assert "specs built" in done.stderr and "0 files written" not in done.stderr


def test_the_test_command_runs_the_suite(clone: tuple[Path, dict[str, str]]) -> None:
    where, env = clone
    command = _readme_command("pass the tests")
    assert command == "bash .ci/setup && python3 -m pytest"
    # the whole suite is what the outer run is doing; here: it collects, and a part passes
    done = _run("bash .ci/setup && python3 -m pytest -p no:cacheprovider -n 0 "
                "tests/test_readme.py tests/test_cli.py", where, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\d+ passed", done.stdout) and "skipped" not in done.stdout
    listed = _run("python3 -m pytest -p no:cacheprovider --collect-only -n 0", where, env)
    assert listed.returncode == 0, listed.stdout[-3000:]
    assert int(re.findall(r"(\d+) tests? collected", listed.stdout)[-1]) > 1000


def test_a_build_without_graphviz_writes_the_rest_and_says_so_once(
        clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    where, env = clone
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("bash", "env"):
        (bare / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    (bare / "python3").symlink_to(Path(env["VIRTUAL_ENV"]) / "bin" / "python3")
    no_dot = dict(env, PATH=str(bare))
    assert shutil.which("dot", path=no_dot["PATH"]) is None
    out = tmp_path / "out"
    done = subprocess.run([str(bare / "python3"), "-m", "procdsl", "build", "specs", "-o",
                           str(out)], cwd=where, env=no_dot, text=True, capture_output=True,
                          timeout=300)
    assert done.returncode == 3, done.stderr  # 3: built, but some diagrams not drawn
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("install Graphviz") == 1, done.stderr
    specs = sorted((where / "specs").glob("*.proc"))
    for spec in specs:
        stem = spec.stem
        assert (out / f"{stem}.md").is_file() and (out / f"{stem}.py").is_file()
        assert (out / f"{stem}.dot").is_file() and not (out / f"{stem}.svg").exists()
