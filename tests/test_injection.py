"""Escaping rules the older escaping tests left uncovered, one test per rule per emitter.

docs/testing.md lists every rule and the test that covers it; each test here was seen
to fail with its rule switched off.
"""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from procdsl import model as m
from procdsl.compiler import check_text
from procdsl.emitters.diagram import clean
from procdsl.emitters.dot import emit_dot
from procdsl.emitters.markdown import emit_markdown
from procdsl.emitters.mermaid import emit_mermaid, mermaid_text
from procdsl.emitters.python import emit_python

from .strategies import quote
from .test_manual import parser, visible_text

SPEC = '''process inj {title}
  lang en
  description {text}

roles
  clerk {text}

data
  note: text
  __class__: int

step intake {title}
  by clerk
  description {text}
  check {text}
  when note == {text} -> end done
  otherwise -> end failed

end done {title} success
end failed failure
'''


def spec_with(title: str, text: str = "plain", path: str = "inj.proc") -> m.Spec:
    """Return the model of SPEC with title and text put in every place that takes text."""
    unit = check_text(path, SPEC.format(title=quote(title), text=quote(text)).encode())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    assert unit.spec.process.title == title and unit.spec.process.description == text
    return unit.spec


def with_path(spec: m.Spec, path: str) -> m.Spec:
    """Return spec as if read from path (paths come from the file system, not the spec)."""
    return dataclasses.replace(spec, path=path)


def graphviz(source: str) -> list[str]:
    """Return the texts Graphviz draws for DOT source, failing on any complaint."""
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>",
                                                 done.stdout.decode())]


# ------------------------------------------------------------------ DOT


def test_dot_square_brackets_are_drawn_not_parsed() -> None:
    texts = graphviz(emit_dot(spec_with("]", "a ]]> b"), lang="en"))
    assert "]" in texts
    assert any("a ]]> b" in t for t in texts)


def test_dot_blank_title_still_gives_a_valid_label() -> None:
    graphviz(emit_dot(spec_with(" ", "\t"), lang="en"))


def test_dot_control_characters_never_reach_the_source_raw() -> None:
    source = emit_dot(spec_with("a\x1bb\x7fc\u202ed", "x\x00y\x08z\tw"), lang="en")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", source)
    assert not [line for line in source.split("\n") if "\t" in line.lstrip("\t")]
    graphviz(source)


def test_diagram_text_has_control_characters_made_spaces() -> None:
    assert clean("a\x00b\x85c\x7f\u202ed\ne") == "a b c [U+202E]d\ne"  # bidi: tests/test_bidi.py


def test_dot_header_comment_cannot_end_at_a_carriage_return() -> None:
    source = emit_dot(with_path(spec_with("t"), "evil\rdigraph x {\x0b"), lang="en")
    first = source.split("\n")[0]
    assert first.startswith("// ") and not re.search(r"[\r\x0b]", first)
    graphviz(source)


# ------------------------------------------------------------------ Mermaid


def test_mermaid_control_characters_become_entity_codes() -> None:
    assert mermaid_text("a\x00b\x1bc\x7f\td") == "a#0;b#27;c#127;#9;d"


def test_mermaid_text_cannot_open_a_directive_or_a_comment() -> None:
    text = emit_mermaid(spec_with('%%{init: {"theme": "dark"}}%%', "\n%% hidden\n"),
                        lang="en")
    assert "%%{" not in text
    assert [n for n, line in enumerate(text.split("\n")) if line.lstrip().startswith("%%")] == [0]


def test_mermaid_header_path_cannot_start_a_new_line() -> None:
    text = emit_mermaid(with_path(spec_with("t"), "x\nflowchart TB\n  evil-->x"), lang="en")
    lines = text.split("\n")
    assert lines[0].startswith("%% ") and "evil" in lines[0]
    assert lines[1] == "flowchart LR"
    assert not any("evil" in line for line in lines[1:])


# ------------------------------------------------------------------ Markdown


def test_manual_header_path_cannot_leave_its_comment() -> None:
    spec = with_path(spec_with("t"), "a\n# Heading\n<script>x</script>.proc")
    text = emit_markdown(spec, lang="en")
    first = text.split("\n")[0]
    assert first.startswith("<!-- ") and first.endswith(" -->") and "Heading" in first
    tokens = parser().parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Heading" not in headings
    assert [t for t in tokens if t.type == "html_block"][0].content.count("\n") == 1


def test_manual_spec_text_cannot_open_an_html_comment() -> None:
    spec = spec_with("<!-- hidden -->", "a <!-- b --> c")
    text = visible_text(emit_markdown(spec, lang="en"))
    assert "<!-- hidden -->" in text and "a <!-- b --> c" in text
    tokens = parser().parse(emit_markdown(spec, lang="en"))
    inline_html = [c.content for t in tokens for c in t.children or ()
                   if c.type == "html_inline"]
    assert not [h for h in inline_html if "<!--" in h]


# ------------------------------------------------------------------ Python


def load_module(source: str, tmp_path: Path, name: str) -> ModuleType:
    """Return the generated module imported from a file."""
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    found = importlib.util.spec_from_file_location(name, path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    found.loader.exec_module(module)
    return module


def test_python_text_ending_in_a_backslash_or_triple_quotes(tmp_path: Path) -> None:
    for i, text in enumerate(["ends with \\", 'quotes """', "quotes '''", "\\", '"""\\']):
        spec = spec_with(text, text)
        module = load_module(emit_python(spec, lang="en"), tmp_path, f"gen_tail_{i}")
        assert module.__doc__ == f"inj: {text}"
        guard = module.PROCESS.tasks[0].routes[0].guard
        assert guard(module.Data(note=text)) and not guard(module.Data(note=text + "x"))


def test_python_dunder_names_are_renamed(tmp_path: Path) -> None:
    module = load_module(emit_python(spec_with("t"), lang="en"), tmp_path, "gen_dunder")
    assert "__class__" not in module.Data.__dataclass_fields__
    data = module.Data(note="", n___class__=3)
    assert type(data) is module.Data and data.n___class__ == 3


def test_python_path_cannot_leave_its_comments(tmp_path: Path) -> None:
    spec = with_path(spec_with("t"), "dir/odd\nimport os\u202e\x00.proc")
    source = emit_python(spec, lang="en")
    assert "import os" not in source.split("\n")
    assert "\u202e" not in source and "\x00" not in source
    load_module(source, tmp_path, "gen_path")


def test_python_bidi_and_control_characters_only_as_escapes(tmp_path: Path) -> None:
    text = "a\u202eb\u2066c\x1bd\x00e"
    source = emit_python(spec_with(text, text), lang="en")
    assert not re.search("[\u202a-\u202e\u2066-\u2069\x00-\x09\x0b-\x1f\x7f]", source)
    module = load_module(source, tmp_path, "gen_bidi")
    assert module.__doc__ == f"inj: {text}"
    assert module.PROCESS.tasks[0].routes[0].guard(module.Data(note=text))
