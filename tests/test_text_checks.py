"""PD116/PD117: text no diagram can hold is reported at the spec, not by Graphviz."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from procdsl.checks.text import MAX_TITLE, noncharacter
from procdsl.cli import cli
from procdsl.compiler import check_text

FIXTURE = Path(__file__).parent / "fixtures" / "registration_zh.proc"
TEXT = FIXTURE.read_text(encoding="utf-8")


def codes(text: str) -> list[str]:
    return [d.code for d in check_text("t.proc", text.encode("utf-8")).diagnostics]


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe",
                                  "\U0010ffff"])
def test_noncharacters_in_titles_are_errors(char: str) -> None:
    text = TEXT.replace('"新客户注册流程"', f'"新客户{char}注册流程"', 1)
    assert "PD116" in codes(text)


def test_noncharacters_in_role_titles_and_descriptions_are_errors() -> None:
    assert "PD116" in codes(TEXT.replace('录入员 "信息录入人员"', '录入员 "信息\uffff录入人员"', 1))


@pytest.mark.parametrize("char", ["\x1b", "\x7f", "\u202e", "\ufeff", "\ufffd"])
def test_control_and_other_characters_are_not_noncharacters(char: str) -> None:
    assert noncharacter(f"a{char}b") is None


def test_a_16_kb_role_title_is_too_long() -> None:
    text = TEXT.replace('录入员 "信息录入人员"', '录入员 "' + "长" * 17000 + '"', 1)
    assert "PD117" in codes(text)
    assert "PD117" not in codes(TEXT.replace('录入员 "信息录入人员"', '录入员 "' + "长" * MAX_TITLE + '"', 1))


def test_build_with_one_bad_title_writes_the_good_specs(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(FIXTURE, specs / "good.proc")
    bad = TEXT.replace("process 新客户注册 ", "process 坏 ", 1).replace(
        '"新客户注册流程"', '"坏\uffff"', 1)
    (specs / "bad.proc").write_text(bad, encoding="utf-8")
    out = tmp_path / "gen"
    result = CliRunner().invoke(cli, ["build", str(specs), "-o", str(out)])
    assert result.exit_code == 1, result.stderr
    assert "PD116" in result.stderr and "internal error" not in result.stderr
    assert (out / "good.svg").is_file() and (out / "good.py").is_file()
    assert not (out / "bad.dot").exists()
