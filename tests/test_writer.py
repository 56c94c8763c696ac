"""Writing outputs: atomic for files, as-is for devices and pipes (never replaced)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from click.testing import CliRunner

from procdsl.cli import cli
from procdsl.writer import write_file

ROOT = Path(__file__).resolve().parents[1]


def _drain(fifo: Path, out: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as handle:
            out.append(handle.read())
    thread = threading.Thread(target=read)
    thread.start()
    return thread


def test_a_file_is_replaced_whole_and_keeps_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "x.md"
    target.write_bytes(b"old")
    write_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_a_pipe_is_written_to_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = _drain(fifo, got)
    write_file(fifo, b"through the pipe")
    thread.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_the_cli_writes_a_manual_into_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "manual.md"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = _drain(fifo, got)
    result = CliRunner().invoke(cli, ["manual", str(ROOT / "specs" / "请假流程.proc"),
                                      "-o", str(fifo)])
    thread.join(10)
    assert result.exit_code == 0, result.output
    assert got and "\n# 员工请假流程\n" in got[0].decode("utf-8")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
