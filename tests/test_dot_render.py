"""render() calls Graphviz for SVG, PNG and PDF and fails with one actionable line."""

from __future__ import annotations

import pytest

from procdsl.emitters.render import RenderError, render

SMALL = 'digraph g { a [label=<客户 &amp; 审核>]; a -> b }'


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                            ("pdf", b"%PDF")])
def test_each_format_starts_with_its_magic_bytes(fmt: str, magic: bytes) -> None:
    assert render(SMALL, fmt).startswith(magic)


def test_svg_keeps_the_chinese_text() -> None:
    assert "客户 &amp; 审核" in render(SMALL, "svg").decode()


def test_missing_graphviz_says_how_to_install_in_one_line() -> None:
    with pytest.raises(RenderError) as info:
        render(SMALL, "svg", engine="procdsl-no-such-dot")
    message = str(info.value)
    assert "\n" not in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message


def test_broken_dot_reports_graphviz_first_line() -> None:
    with pytest.raises(RenderError, match="syntax error"):
        render("digraph { a -> }", "svg")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        render(SMALL, "gif")
