"""Bidirectional formatting characters in spec text are shown, never obeyed, in the
diagram (DOT and Mermaid) and the manual; the Python keeps them only as escapes."""

from __future__ import annotations

from procdsl.compiler import check_text
from procdsl.emitters.dot import emit_dot
from procdsl.emitters.markdown import emit_markdown
from procdsl.emitters.mermaid import emit_mermaid
from procdsl.emitters.python import emit_python

OVERRIDES = "\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f\u061c"

SPEC = f'''process p "Pay {OVERRIDES[0]}lasrever"
  lang en

roles
  clerk "Clerk {OVERRIDES}"

step submit "Submit{OVERRIDES[0]}evil"
  by clerk
  description "text {OVERRIDES} end"
  check "tick {OVERRIDES[0]}me"
  then end done

end done "Done{OVERRIDES[1]}" success
'''


def spec():  # type: ignore[no-untyped-def]
    unit = check_text("bidi.proc", SPEC.encode("utf-8"))
    assert unit.spec is not None, [d.message.en for d in unit.diagnostics]
    return unit.spec


def test_no_emitter_writes_a_raw_override() -> None:
    s = spec()
    for name, text in (("dot", emit_dot(s, lang="en")), ("mermaid", emit_mermaid(s, lang="en")),
                       ("manual", emit_markdown(s, lang="en")),
                       ("python", emit_python(s, lang="en"))):
        found = sorted({f"U+{ord(c):04X}" for c in text if c in OVERRIDES})
        assert not found, f"{name} writes {found}"


def test_overrides_are_shown_where_they_were() -> None:
    s = spec()
    assert "Submit\\[U+202E\\]evil" in emit_markdown(s, lang="en")  # brackets escaped
    assert "Submit[U+202E&#93;evil" in emit_dot(s, lang="en")  # ']' is an entity in DOT
    assert "Submit#91;U+202E#93;evil" in emit_mermaid(s, lang="en")  # and in Mermaid
