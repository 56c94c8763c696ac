"""Big processes: layout stays quick (straight edges) and the user is told before a wait."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from procdsl.cli import BIG_DIAGRAM, cli
from procdsl.compiler import check_text
from procdsl.emitters.dot import STRAIGHT_EDGES_ABOVE, emit_dot


def chain(n: int) -> str:
    lines = ['process big "Big"', "  lang en", "", "roles"] + [f"  r{i}" for i in range(4)]
    lines.append("")
    for i in range(n):
        nxt = f"t{i + 1}" if i < n - 1 else "end done"
        lines.append(f"step t{i} by r{i % 4}, then {nxt}")
    return "\n".join(lines + ["", "end done success", ""])


def dot_of(n: int) -> str:
    unit = check_text("big.proc", chain(n).encode())
    assert unit.spec is not None
    return emit_dot(unit.spec, lang="en")


def test_edges_are_straight_only_above_the_threshold() -> None:
    assert "splines=line" not in dot_of(STRAIGHT_EDGES_ABOVE)
    assert "splines=line" in dot_of(STRAIGHT_EDGES_ABOVE + 1)


def test_graph_says_before_drawing_a_big_process(tmp_path: Path) -> None:
    spec = tmp_path / "big.proc"
    spec.write_text(chain(BIG_DIAGRAM + 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["graph", str(spec), "-o", str(tmp_path / "big.svg")])
    assert result.exit_code == 0
    assert f"drawing {BIG_DIAGRAM + 1} tasks in 4 lanes" in result.stderr
    assert (tmp_path / "big.svg").read_bytes().lstrip().startswith(b"<?xml")
