"""Document control (procdsl.toml): defaults, the file's keys, per-process keys, and the
errors a bad file gets; the Markdown manual shows the block after its title."""

from __future__ import annotations

from pathlib import Path

import pytest

from procdsl.compiler import check_text, compile_paths
from procdsl.doccontrol import (
    DocControlError,
    Settings,
    control_for,
    control_tables,
    find_settings,
    load_settings,
)
from procdsl.emitters.markdown import emit_markdown, load_labels

from .conftest import ROOT

SPEC = ROOT / "specs" / "新客户注册流程.proc"


def spec():  # type: ignore[no-untyped-def]
    unit = check_text(str(SPEC), SPEC.read_bytes())
    assert unit.spec is not None
    return unit.spec


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "procdsl.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_the_spec_header_and_draft() -> None:
    c = control_for(spec(), Settings())
    assert (c.version, c.prepared_by, c.status, c.number, c.company) == ("1.0", "客户服务部", "draft", None, None)
    assert c.status_text("zh") == "草稿" and c.status_text("en") == "Draft"


def test_keys_patterns_and_per_process_overrides(tmp_path: Path) -> None:
    path = toml(tmp_path, """
[document]
company = "某某有限公司"
number = "QP-{process}-{version}"
reviewed_by = "质量管理部"
approved_by = "总经理"
effective = 2026-03-01
status = "受控"
retention = "3 年"
[document.processes."新客户注册"]
approved_by = "副总经理"
[document.processes.other]
number = "X-{lang}"
""")
    c = control_for(spec(), load_settings(path))
    assert c.number == "QP-新客户注册-1.0" and c.company == "某某有限公司"
    assert (c.reviewed_by, c.approved_by, c.prepared_by) == ("质量管理部", "副总经理", "客户服务部")
    assert (c.effective, c.status, c.retention) == ("2026-03-01", "controlled", "3 年")


@pytest.mark.parametrize(("text", "key", "words"), [
    ("[document]\nstatus = \"approved\"\n", "document.status", "unknown status"),
    ("[document]\neffective = \"2026-02-30\"\n", "document.effective", "not a day"),
    ("[document]\neffective = \"soon\"\n", "document.effective", "must be a date"),
    ("[document]\nnumber = \"QP-{name}\"\n", "document.number", "unknown placeholder {name}"),
    ("[document]\nnumber = \"QP-{process\"\n", "document.number", "bad pattern"),
    ("[document]\ncompny = \"x\"\n", "document.compny", "unknown key"),
    ("[document]\ncompany = [\"x\"]\n", "document.company", "must be text"),
    ("[document]\ncompany = \"  \"\n", "document.company", "is empty"),
    ("document = 3\n", "document", "must be a table"),
    ("[document.processes.a]\nstatus = \"x\"\n", "document.processes.a.status", "unknown status"),
    ("[document.processes.a]\nprocesses = {}\n", "document.processes.a.processes", "unknown key"),
])
def test_a_bad_file_names_file_key_and_problem(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = toml(tmp_path, text)
    with pytest.raises(DocControlError) as err:
        load_settings(path)
    assert err.value.key == key and words in err.value.problem
    assert str(err.value).startswith(f"{path}: {key}: ")


def test_bad_toml_says_where(tmp_path: Path) -> None:
    path = toml(tmp_path, "[document\ncompany = 1\n")
    with pytest.raises(DocControlError, match=r"procdsl.toml: is not valid TOML: .*line 1"):
        load_settings(path)


def test_the_file_beside_the_spec_is_found(tmp_path: Path) -> None:
    assert find_settings(tmp_path / "a.proc") == Settings()
    toml(tmp_path, "[document]\ncompany = \"C\"\n")
    assert find_settings(tmp_path / "a.proc").company == "C"


def test_the_example_file_applies_to_every_spec() -> None:
    settings = find_settings(SPEC)
    assert settings.source is not None
    for unit in compile_paths(sorted((ROOT / "specs").glob("*.proc"))):
        assert unit.spec is not None
        c = control_for(unit.spec, settings)
        assert c.number and c.number.startswith(f"QP-{unit.spec.process.name.text}-")
        assert c.company and c.reviewed_by and c.approved_by


def test_the_markdown_manual_shows_the_block_after_the_title(tmp_path: Path) -> None:
    s = spec()
    c = control_for(s, load_settings(toml(tmp_path, '[document]\nnumber = "QP-{process}"\n'
                                                    'company = "A | B"\n')))
    text = emit_markdown(s, lang="zh", control=c)
    lines = text.splitlines()
    assert lines[1] == "# 新客户注册流程"
    assert lines[3] == "| 公司名称 | 文件编号 | 版本 | 受控状态 | 生效日期 | 保存期限 |"
    assert lines[5] == "| A \\| B | QP-新客户注册 | 1.0 | 草稿 | — | — |"
    assert "| 姓名/部门 | 客户服务部 |  |  |" in lines
    facts, signoff = control_tables(c, "en", load_labels(None, "en"))
    assert facts[0][1] == "Document number" and signoff[0][1:] == ("Prepared by", "Reviewed by", "Approved by")
