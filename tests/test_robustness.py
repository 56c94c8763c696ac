"""No input, however malformed, gets a traceback: it gets diagnostics and exit 1."""

from __future__ import annotations

import functools
import os
import random
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.cli import cli
from procdsl.compiler import check_text
from procdsl.source import SourceFile

# CI runs a bounded budget; PROCDSL_FUZZ_EXAMPLES=5000 is the long run (docs/testing.md).
FUZZ = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "150"))

FIXTURE = (Path(__file__).parent / "fixtures" / "registration_zh.proc").read_bytes()


def assert_diagnosed(data: bytes) -> None:
    unit = check_text("input.proc", data)
    assert unit.diagnostics, "bad input must produce at least one diagnostic"
    assert not unit.ok
    for d in unit.diagnostics:
        assert d.span.line >= 1 and d.span.column >= 1
        assert d.message.en and d.message.zh


def test_cli_on_binary_file_exits_1_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bin.proc"
    path.write_bytes(bytes(range(256)) * 8)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "PD001" in result.stderr


def test_empty_and_blank_files() -> None:
    for data in (b"", b"\n\n", b"   \n", b"# just a comment\n", b"\xef\xbb\xbf"):
        assert_diagnosed(data)


def test_five_megabytes_of_noise_is_diagnosed_not_hung() -> None:
    rng = random.Random(7)
    alphabet = "abc 步骤由然后->\"#:,()\n\t  xyz审批123"
    noise = "".join(rng.choice(alphabet) for _ in range(5 * 1024 * 1024))
    unit = check_text("noise.proc", noise.encode("utf-8"))
    assert unit.diagnostics and not unit.ok
    assert len(unit.diagnostics) <= 201  # capped, with a closing note


def test_truncated_specs_never_crash() -> None:
    for cut in range(0, len(FIXTURE), 97):
        check_text("cut.proc", FIXTURE[:cut])  # must not raise


def test_crlf_and_bom_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + FIXTURE.replace(b"\n", b"\r\n")
    unit = check_text("crlf.proc", data)
    assert unit.spec is not None
    assert unit.spec.tasks[0].name.span.line == 31


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    check_text("fuzz.proc", data)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    unit = check_text("fuzz.proc", text.encode("utf-8", errors="replace"))
    src = SourceFile.from_text("x", text)
    for d in unit.diagnostics:
        assert 1 <= d.span.line <= max(1, src.line_count)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_of_a_real_spec(data: st.DataObject) -> None:
    text = FIXTURE.decode("utf-8")
    pos = data.draw(st.integers(0, len(text)))
    kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
    piece = data.draw(st.sampled_from(["", "\t", "\"", "->", "(", "，", "  ", "\n", "end", "由",
                                       "approve", "#", "x", ":", "..", "9"]))
    span = data.draw(st.integers(0, 12))
    if kind == "delete":
        text = text[:pos] + text[pos + span:]
    elif kind == "insert":
        text = text[:pos] + piece + text[pos:]
    else:
        text = text[:pos] + piece + text[pos + span:]
    check_text("mutant.proc", text.encode("utf-8"))


@functools.cache
def _grammar_strategy() -> st.SearchStrategy[str]:
    from hypothesis.extra.lark import from_lark
    from lark import Lark

    from procdsl.parser import grammar_text

    lark = Lark(grammar_text(), parser="lalr", lexer="contextual")
    return from_lark(lark, start="start",
                     explicit={"_INDENT": st.just("  "), "_DEDENT": st.just("\n")})


@settings(max_examples=FUZZ // 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_strings_generated_from_the_grammar(data: st.DataObject) -> None:
    """Text shaped by the grammar itself reaches deep into the parser and the checks."""
    text = data.draw(_grammar_strategy())
    unit = check_text("grammar.proc", text.encode("utf-8", errors="replace"))
    for d in unit.diagnostics:
        assert d.span.line >= 1 and d.span.column >= 1


REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.proc"))


def test_inputs_that_once_crashed_the_checker() -> None:
    """Each file here made procdsl raise once (found by fuzzing); now they are diagnosed."""
    assert REGRESSIONS
    for path in REGRESSIONS:
        check_text(path.name, path.read_bytes())


def test_checking_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    was = gc.isenabled()
    try:
        for state in (True, False):
            for data in (FIXTURE, FIXTURE[: len(FIXTURE) // 2], b"process \xff\n"):
                (gc.enable if state else gc.disable)()
                check_text("input.proc", data)
                assert gc.isenabled() is state
    finally:
        (gc.enable if was else gc.disable)()
