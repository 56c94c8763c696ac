"""The language server's compile is `procdsl check`'s: the block cache changes nothing,
on every shipped spec, every diagnostic case, and a run of keystrokes; and its
positions count UTF-16 code units."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

pytest.importorskip("lsprotocol", reason="the lsp extra (lsprotocol) is not installed")

from procdsl.compiler import check_text  # noqa: E402
from procdsl.lsp import features  # noqa: E402
from procdsl.lsp.document import BlockCache, LineIndex, check_document  # noqa: E402
from procdsl.source import SourceFile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.proc")) + sorted((ROOT / "tests" / "diagnostics").glob("*.proc"))


def same(name: str, text: str, cache: BlockCache) -> None:
    unit, _, _ = check_document(name, text, frozenset(), cache)
    plain = check_text(name, text.encode("utf-8", errors="surrogatepass"))
    assert unit.diagnostics == plain.diagnostics, name
    assert unit.spec == plain.spec


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_cached_compile_is_check(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    cache = BlockCache()
    same(path.name, text, cache)
    same(path.name, text, cache)  # every block from the cache


def test_keystrokes_through_the_cache_match_check() -> None:
    rng = random.Random(18)
    for path in [ROOT / "specs" / "请假流程.proc", ROOT / "specs" / "expense_reimbursement.proc",
                 ROOT / "specs" / "采购流程.proc"]:
        text = path.read_text(encoding="utf-8")
        cache = BlockCache()
        same(path.name, text, cache)
        for _ in range(25):
            at = rng.randrange(len(text))
            edit = rng.choice(["x", " ", "\n", "", "审", "->", '"', "\t", "𠀀"])
            text = text[:at] + edit + text[at + (1 if edit == "" else 0):]
            same(path.name, text, cache)


def test_line_index_counts_utf16_units() -> None:
    index = LineIndex("ab\n𠀀x𠀀y\n")
    assert index.position(3) == (1, 0)
    assert index.position(4) == (1, 2)  # after one astral character: two units
    assert index.position(6) == (1, 5)
    assert index.offset(1, 5) == 6 and index.offset(1, 2) == 4
    assert index.offset(1, 1) == 3  # inside a surrogate pair: the character's start
    assert index.offset(9, 0) == len(index.text)
    bom = LineIndex("ab", bom=True)
    assert bom.position(1) == (0, 2) and bom.offset(0, 2) == 1
    span = SourceFile.from_text("x", "ab\n𠀀x𠀀y\n").span(5, 6)
    assert index.span_range(span) == ((1, 3), (1, 5))


def test_line_index_speaks_utf8_and_utf32_when_agreed() -> None:
    utf8 = LineIndex("由 𠀀x\n", encoding="utf-8")
    assert utf8.position(2) == (0, 4) and utf8.position(3) == (0, 8)
    assert utf8.offset(0, 8) == 3 and utf8.offset(0, 4) == 2 and utf8.offset(0, 6) == 2
    utf32 = LineIndex("由 𠀀x\n", encoding="utf-32")
    assert utf32.position(4) == (0, 4) and utf32.offset(0, 3) == 3


def test_message_language_spec_then_client() -> None:
    zh = (ROOT / "specs" / "请假流程.proc").read_text(encoding="utf-8").replace("由 员工\n", "由 无名\n")
    assert features.analyse("u", "x.proc", zh, client_lang="en").lang == "zh"  # the spec says zh
    assert features.analyse("u", "x.proc", zh, forced_lang="en").lang == "en"  # the client's setting
    en = (ROOT / "specs" / "expense_reimbursement.proc").read_text(encoding="utf-8")
    unlabelled = en.replace("  lang en\n", "")
    a = features.analyse("u", "x.proc", unlabelled.replace("by employee", "by nobody", 1), client_lang="zh")
    assert a.lang == "zh"
    assert any("未声明" in d.message or "角色" in d.message for d in features.diagnostics(a))
    assert features.locale_lang("zh-Hans-CN") == "zh" and features.locale_lang("de") == "en"
    assert features.locale_lang(None) is None
