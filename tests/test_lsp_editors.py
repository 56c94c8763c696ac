"""docs/editors.md's snippets parse (JSON, TOML, Lua brackets), and the TextMate grammar
in editors/ is the one editors/make_grammar.py makes from the keyword table."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from procdsl.keywords import KEYWORDS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```$", DOC, re.M | re.S)


def blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCKS if kind == lang]


def test_the_document_has_a_snippet_for_each_editor() -> None:
    assert len(blocks("json")) >= 1 and len(blocks("toml")) >= 1 and len(blocks("lua")) >= 2
    assert len(blocks("js")) == 1
    for body in blocks("json") + blocks("toml") + blocks("lua") + blocks("js"):
        assert "lsp" in body or "procdsl" in body


@pytest.mark.parametrize("body", blocks("json"))
def test_json_snippets_parse(body: str) -> None:
    package = json.loads(body)
    assert package["contributes"]["languages"][0]["extensions"] == [".proc"]
    assert package["contributes"]["grammars"][0]["scopeName"] == "source.procdsl"


@pytest.mark.parametrize("body", blocks("toml"))
def test_toml_snippets_parse(body: str) -> None:
    config = tomllib.loads(body)
    assert config["language-server"]["procdsl"] == {"command": "procdsl", "args": ["lsp"]}
    assert config["language"][0]["file-types"] == ["proc"]


def _balanced(code: str) -> bool:
    """Brackets and quotes balance, and every Lua function/if/do block has its end."""
    code = re.sub(r"--[^\n]*", "", code)
    code = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', code)
    if '"' in code.replace('""', ""):
        return False
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in code:
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    opens = len(re.findall(r"\b(?:function|do|then)\b", code)) - len(re.findall(r"\belseif\b", code))
    return not stack and opens == len(re.findall(r"\bend\b", code))


@pytest.mark.parametrize("body", blocks("lua"))
def test_lua_snippets_balance(body: str) -> None:
    assert _balanced(body)
    assert '{ "procdsl", "lsp" }' in body


def test_the_lua_check_catches_a_missing_end() -> None:
    assert not _balanced("if x then\n  f(\n")
    assert not _balanced("callback = function() return 1\n")
    assert _balanced('if x then f("a)") end')


def _make_grammar() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_grammar", ROOT / "editors" / "make_grammar.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_textmate_grammar_is_current() -> None:
    committed = (ROOT / "editors" / "procdsl.tmLanguage.json").read_text(encoding="utf-8")
    assert committed == _make_grammar().render(), "run: python editors/make_grammar.py"


def test_the_grammar_highlights_every_keyword() -> None:
    grammar = json.loads((ROOT / "editors" / "procdsl.tmLanguage.json").read_text(encoding="utf-8"))
    patterns = [re.compile(p["match"]) for p in grammar["repository"]["keyword"]["patterns"]]
    for kw in KEYWORDS:
        for word in kw.spellings:
            assert any(p.fullmatch(word) for p in patterns), word
    assert not any(p.search("income") for p in patterns)  # keywords are whole words
    definition = re.compile(grammar["repository"]["definition"]["match"])
    found = definition.match("审批 主管审批")
    assert found is not None and found.group(1) == "主管审批"
    assert definition.match("  step x") is None
