"""What a spec path may be: only regular files are read, and at most MAX_SPEC_BYTES.

A named pipe, a device or a symbolic link to one (as a sibling ``*.proc`` or named
directly) must not hang a command or exhaust memory, and is reported for what it is.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl.cli import cli
from procdsl.compiler import MAX_SPEC_BYTES, SpecFileError, path_problem, read_spec

FIXTURE = Path(__file__).parent / "fixtures" / "registration_zh.proc"

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """A hang (reading a pipe that never ends) fails the test instead of the suite."""
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("a spec path was read without end")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A spec beside a pipe, a link to /dev/zero and a broken link, all named *.proc."""
    shutil.copy(FIXTURE, tmp_path / "good.proc")
    os.mkfifo(tmp_path / "pipe.proc")
    (tmp_path / "zero.proc").symlink_to("/dev/zero")
    (tmp_path / "gone.proc").symlink_to(tmp_path / "nowhere.proc")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert not isinstance(result.exception, (TimeoutError, MemoryError)), result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize("command", [["codegen"], ["ir"], ["manual"], ["graph", "--format", "dot"]])
def test_single_spec_commands_skip_siblings_that_are_not_files(
        folder: Path, tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "out.txt"
    code, err = run(*command, str(folder / "good.proc"), "-o", str(out))
    assert code == 0, err
    assert out.stat().st_size > 0


def test_a_folder_with_a_pipe_and_a_device_checks_its_real_specs(folder: Path) -> None:
    code, err = run("check", str(folder), "--format", "short")
    assert code == 0, err
    assert f"skipping {folder / 'pipe.proc'} is a named pipe (FIFO), not a spec file" in err
    assert f"skipping {folder / 'zero.proc'} is a device (through a symbolic link)" in err
    assert f"skipping {folder / 'gone.proc'} is a broken symbolic link" in err
    code, err = run("build", str(folder), "-o", str(folder / "gen"))
    assert code == 0 and err.count("skipping") == 3, err


@pytest.mark.parametrize(("name", "said"), [
    ("pipe.proc", "is a named pipe (FIFO), not a spec file"),
    ("zero.proc", "is a device (through a symbolic link), not a spec file"),
    ("gone.proc", "is a broken symbolic link"),
])
def test_a_path_that_is_not_a_file_is_named_for_what_it_is(
        folder: Path, name: str, said: str) -> None:
    for command in ("check", "codegen", "build"):
        args = [command, str(folder / name)] + (["-o", str(folder / "gen")] if command == "build" else [])
        code, err = run(*args)
        assert code == 2, (command, err)
        assert said in err and "no such file" not in err, (command, err)


def test_dev_null_is_a_device_not_a_missing_file() -> None:
    code, err = run("check", "/dev/null")
    assert code == 2
    assert "/dev/null is a device, not a spec file" in err


def test_a_huge_spec_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.proc"
    with big.open("wb") as handle:
        handle.truncate(MAX_SPEC_BYTES + 1)  # sparse: costs no disk
    problem = path_problem(big)
    assert problem is not None and "a spec may be at most 16 MB" in problem
    with pytest.raises(SpecFileError, match="at most 16 MB"):
        read_spec(big)
    code, err = run("check", str(big))
    assert code == 2 and "at most 16 MB" in err and "internal error" not in err


def test_read_spec_reads_regular_files_and_links_to_them(folder: Path) -> None:
    (folder / "link.proc").symlink_to(folder / "good.proc")
    assert read_spec(folder / "link.proc") == FIXTURE.read_bytes()
    with pytest.raises(SpecFileError, match="named pipe"):
        read_spec(folder / "pipe.proc")
