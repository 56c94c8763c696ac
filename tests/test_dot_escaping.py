"""Spec text reaches DOT only escaped: special characters are drawn as written, never as syntax."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from procdsl import model as m
from procdsl.compiler import check_text
from procdsl.emitters.dot import decode_key, emit_dot, encode_key, html_text
from procdsl.flow import transitions

SPECIALS = {
    "quote": 'say "hi"',
    "backslash": r"C:\temp\N\G\L",
    "braces": "{a} {b}",
    "angles": "<b>bold</b> <br/>",
    "pipe": "a|b|c",
    "ampersand": "R&D &amp;",
}

SPEC = '''process esc "Escapes"
  lang en

roles
  clerk

step intake "{title}"
  by clerk
  then end done

end done "Done" success
'''


def _spec_with_title(title: str) -> m.Spec:
    quoted = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    unit = check_text("esc.proc", SPEC.format(title=quoted).encode())
    assert unit.spec is not None, [d.message for d in unit.diagnostics]
    assert unit.spec.task("intake").title == title  # the parser undid the spec's escapes
    return unit.spec


def _svg_texts(dot_source: str) -> list[str]:
    result = subprocess.run(["dot", "-Tsvg"], input=dot_source.encode(), capture_output=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", result.stderr.decode()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", result.stdout.decode())
    return [html.unescape(t) for t in texts]


@pytest.mark.parametrize("name", sorted(SPECIALS))
def test_title_is_drawn_exactly_as_written(name: str) -> None:
    title = SPECIALS[name]
    texts = _svg_texts(emit_dot(_spec_with_title(title), lang="en"))
    assert title in texts


def test_newline_in_a_title_starts_a_new_line() -> None:
    texts = _svg_texts(emit_dot(_spec_with_title("first line\nsecond line"), lang="en"))
    assert "first line" in texts and "second line" in texts


def test_control_characters_become_spaces() -> None:
    assert html_text("a\x00b\x1bc") == "a b c"


def test_every_special_character_at_once_in_a_whole_spec() -> None:
    path = Path(__file__).parent / "fixtures" / "diagram_escape_en.proc"
    unit = check_text(str(path), path.read_bytes())
    assert unit.spec is not None
    texts = _svg_texts(emit_dot(unit.spec, lang="en"))
    assert 'Quotes " backslash \\ braces {x} angles <y> pipe |z| amp & hash #1' in texts
    assert 'Clerk "A" <front> {desk} | \\N' in texts
    assert "line two \\N \\l {a|b}" in texts


def _rename(spec: m.Spec, old: str, new: str) -> m.Spec:
    """Return spec with a task renamed everywhere (names from models built by other tools)."""
    def fix(node: object) -> object:
        if isinstance(node, m.Name) and node.text == old:
            return dataclasses.replace(node, text=new)
        if isinstance(node, tuple):
            return tuple(fix(x) for x in node)
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            changes = {f.name: fix(getattr(node, f.name)) for f in dataclasses.fields(node)}
            return dataclasses.replace(node, **changes)
        return node
    renamed = fix(spec)
    assert isinstance(renamed, m.Spec)
    return renamed


@pytest.mark.parametrize("name", ['a"b', "a\\", "a{b}|c", "a<b>", "a b\nc", "node", "a:b"])
def test_odd_names_still_give_valid_dot_and_readable_keys(name: str) -> None:
    spec = _rename(_spec_with_title("t"), "intake", name)
    source = emit_dot(spec, lang="en")
    result = subprocess.run(["dot", "-Tjson"], input=source.encode(), capture_output=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    graph = json.loads(result.stdout)
    names = {o["_gvid"]: o for o in graph["objects"]}
    keyed = [e for e in graph["edges"] if "transition" in e]
    assert [decode_key(e["transition"]) for e in keyed] == [t.key() for t in transitions(spec)]
    assert decode_key(names[keyed[0]["tail"]]["ref"]) == (name,)  # no port, no split node
    assert decode_key(encode_key((name, "x"))) == (name, "x")


def test_header_path_with_a_newline_stays_one_comment_line() -> None:
    spec = dataclasses.replace(_spec_with_title("t"), path="evil\ndigraph x {")
    first, second = emit_dot(spec, lang="en").splitlines()[:2]
    assert first.startswith("// ") and "evil digraph x {" in first
    assert second.startswith("digraph procdsl")
