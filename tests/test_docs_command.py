"""`procdsl docs [TOPIC]`: the documents ship in the wheel and print from the CLI."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

from procdsl.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted(p.name for p in (ROOT / "docs").glob("*.md"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_wheel_ships_every_document() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    shipped = sorted(Path(src).name for src, dest in included.items()
                     if src.startswith("docs/") and dest == f"procdsl/{src}")
    assert shipped == DOCS, "list every docs/*.md in pyproject's wheel force-include"


def test_docs_lists_every_topic_with_its_title() -> None:
    code, out, _ = run("docs")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [d[:-3] for d in DOCS]
    assert "language" in out and "The procdsl language reference" in out


def test_docs_topic_prints_the_document() -> None:
    code, out, _ = run("docs", "diagnostics")
    assert code == 0
    assert out == (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert run("docs", "language.md")[1] == (ROOT / "docs" / "language.md").read_text(encoding="utf-8")


def test_unknown_topic_is_a_usage_error_with_a_suggestion() -> None:
    code, _, err = run("docs", "runtim")
    assert code == 2 and "did you mean 'runtime'" in err


def test_help_points_at_procdsl_docs_not_at_a_repository_folder() -> None:
    commands = ["check", "build", "graph", "manual", "codegen", "ir", "fmt", "docs"]
    texts = [run("--help")[1]] + [run(c, "--help")[1] for c in commands]
    assert "procdsl docs language" in texts[0]
    for text in texts:
        assert "docs/" not in text, text
