"""The command line as a user meets it: exit codes, formats, languages, help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl.cli import cli

FIXTURE = Path(__file__).parent / "fixtures" / "registration_zh.proc"
BROKEN = Path(__file__).parent / "diagnostics" / "PD201_undefined_step.proc"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_clean_spec_exits_0() -> None:
    code, _, err = run("check", str(FIXTURE), "--format", "short")
    assert code == 0
    assert "error" not in err and "错误" not in err


def test_check_broken_spec_exits_1_with_location_and_hint() -> None:
    code, _, err = run("check", str(BROKEN))
    assert code == 1
    assert "PD201" in err
    assert "PD201_undefined_step.proc:10:" in err
    assert "是否应为 审批" in err  # the spec is lang zh: Chinese messages


def test_lang_override_gives_english() -> None:
    code, _, err = run("check", str(BROKEN), "--lang", "en")
    assert code == 1
    assert "did you mean 审批" in err


def test_json_format_lists_diagnostics() -> None:
    code, out, _ = run("check", str(BROKEN), "--format", "json", "--lang", "en")
    assert code == 1
    data = json.loads(out)
    first = data["diagnostics"][0]
    assert first["code"] == "PD201"
    assert first["line"] == 10 and first["column"] > 1
    assert first["severity"] == "error"


def test_strict_turns_warnings_into_failure(tmp_path: Path) -> None:
    spec = Path(__file__).parent / "diagnostics" / "PD112_unused_role.proc"
    assert run("check", str(spec))[0] == 0
    assert run("check", str(spec), "--strict")[0] == 1


def test_missing_path_is_a_usage_error() -> None:
    code, _, err = run("check", "no/such/file.proc")
    assert code == 2
    assert "no such file" in err


def test_folder_without_specs_is_a_usage_error(tmp_path: Path) -> None:
    assert run("check", str(tmp_path))[0] == 2


def test_folder_is_searched_for_specs(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.proc").write_bytes(FIXTURE.read_bytes())
    (tmp_path / "b.proc").write_bytes(BROKEN.read_bytes())
    code, _, err = run("check", str(tmp_path), "--format", "short")
    assert code == 1
    assert "b.proc" in err and "PD201" in err


def test_ir_prints_json_with_schema_version() -> None:
    code, out, _ = run("ir", str(FIXTURE))
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert [t["name"] for t in data["tasks"]][:3] == ["准备资料", "信息录入", "初审"]
    assert data["tasks"][2]["routes"][1]["cap"]["times"] == 3
    assert data["tasks"][0]["span"] == [31, 1, 34, 12]


def test_ir_refuses_a_broken_spec() -> None:
    code, out, err = run("ir", str(BROKEN))
    assert code == 1 and out == "" and "PD201" in err


@pytest.mark.parametrize("command", ["check", "ir", "graph", "manual", "codegen", "build", "fmt"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example" in out and "procdsl " + command in out


def test_fmt_check_and_rewrite(tmp_path: Path) -> None:
    messy = tmp_path / "m.proc"
    text = FIXTURE.read_text(encoding="utf-8")
    messy.write_text(text.replace("\n  ", "\n    ").replace("approve -> 复核", "approve->复核")
                     .replace("by 客户", "by   客户"), encoding="utf-8")
    assert run("fmt", str(messy), "--check")[0] == 1
    assert run("fmt", str(messy))[0] == 0
    assert messy.read_text(encoding="utf-8") == text
    assert run("fmt", str(messy), "--check")[0] == 0
