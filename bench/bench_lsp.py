"""Live-editing section: the language server's diagnostics after a keystroke, and the
preview's redraw after a save.

* LSP: ``python -m procdsl.lsp`` in a subprocess, driven by pygls's client over stdio; a
  synthetic spec (bench/synthetic.py) is opened, then each keystroke (one character
  typed into, or deleted from, a step title near the middle) is sent as an incremental
  change and timed until the server publishes that version's diagnostics.  Beside it,
  one plain ``check_text`` of the same text in this process: what the server would
  cost without its block cache.
* Preview: ``procdsl.preview.start`` on a 50-step spec; each save is timed until the
  page's event stream announces the new version (the diagram laid out by Graphviz and
  the manual rendered by then) and the page's state is fetched.

Run it alone with ``python bench/bench_lsp.py [--smoke]``; ``run(smoke)`` returns the
tables for bench/run.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import table  # noqa: E402
from synthetic import synthetic_spec  # noqa: E402

TARGETS_MS = {100: 50, 1_000: 300}
PREVIEW_TARGET_MS = 1_000
PREVIEW_STEPS = 50


def _keystrokes(text: str, count: int) -> list[tuple[int, int, str, str]]:
    """Return (line, character, inserted, deleted) edits typing into a middle title, then
    deleting what was typed, so the spec stays valid and each text is new."""
    at = text.index('"Route request', len(text) // 2) + 1
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    edits = []
    for i in range(count):
        if i % 2 == 0:
            edits.append((line, column, "X", ""))
        else:
            edits.append((line, column, "", "X"))
    return edits


async def _lsp_latencies(text: str, count: int) -> list[float]:
    from lsprotocol import types as t
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    published: dict[int, float] = {}
    arrived = asyncio.Event()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
    def on_diagnostics(params: t.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            published[params.version] = time.perf_counter()
            arrived.set()

    async def wait_for(version: int) -> float:
        while version not in published:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 60)
        return published[version]

    await client.start_io(sys.executable, "-m", "procdsl.lsp")
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(),
                                                     process_id=None))
    client.initialized(t.InitializedParams())
    folder = Path(tempfile.mkdtemp(prefix="bench-lsp-"))
    uri = (folder / "synthetic.proc").as_uri()
    client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
        uri=uri, language_id="procdsl", version=1, text=text)))
    await wait_for(1)
    times = []
    for i, (line, column, typed, deleted) in enumerate(_keystrokes(text, count), start=2):
        end = t.Position(line=line, character=column + len(deleted))
        change = t.TextDocumentContentChangePartial(
            range=t.Range(start=t.Position(line=line, character=column), end=end), text=typed)
        sent = time.perf_counter()
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=i),
            content_changes=[change]))
        times.append(await wait_for(i) - sent)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()  # type: ignore[no-untyped-call]
    return times


def _plain_check(text: str, count: int) -> list[float]:
    from procdsl.compiler import check_text

    times = []
    for i in range(count):
        data = (text if i % 2 else text.replace('"Route request', '"XRoute request', 1)).encode()
        start = time.perf_counter()
        check_text("synthetic.proc", data)
        times.append(time.perf_counter() - start)
    return times


def _preview_latencies(count: int) -> tuple[list[float], bool]:
    from procdsl import preview
    from procdsl.emitters.render import dot_available

    folder = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    spec = folder / "synthetic.proc"
    text = synthetic_spec(PREVIEW_STEPS)
    spec.write_text(text, encoding="utf-8")
    drawn = dot_available()
    times = []
    with preview.start(spec, render_svg=drawn) as running:
        events = urllib.request.urlopen(running.url + "events", timeout=60)
        events.readline()
        events.readline()
        time.sleep(1.0)  # a person opens the page, then edits
        for i in range(count):
            changed = text.replace('"Prepare request 3"', f'"Prepare request 3 ({i})"')
            start = time.perf_counter()
            spec.write_text(changed, encoding="utf-8")
            while True:
                line = events.readline().decode()
                if line.startswith("data:") and json.loads(line[5:])["version"] == i + 2:
                    break
            with urllib.request.urlopen(running.url + "state", timeout=60) as reply:
                state = json.loads(reply.read())
            times.append(time.perf_counter() - start)
            assert state["ok"] and (state["svg"] is not None or not drawn)
            events.readline()
        events.close()
    return times, drawn


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def run(smoke: bool) -> str:
    """Return the section's tables."""
    sizes = (100,) if smoke else (100, 1_000)
    count = 6 if smoke else 21
    rows = []
    for n in sizes:
        text = synthetic_spec(n)
        lsp = asyncio.run(_lsp_latencies(text, count))
        plain = _plain_check(text, max(3, count // 3))
        target = TARGETS_MS[n]
        median = statistics.median(lsp)
        rows.append((f"{n} steps", _ms(median), _ms(max(lsp)), _ms(statistics.median(plain)),
                     f"≤ {target} ms", "yes" if median * 1000 <= target else "NO"))
    out = [table(f"lsp: diagnostics after a keystroke (median of {count})",
                 ("spec", "lsp median", "lsp worst", "plain check_text", "target", "met"), rows)]
    times, drawn = _preview_latencies(3 if smoke else 7)
    median = statistics.median(times)
    out.append(table("lsp: preview redraw after a save",
                     ("spec", "median", "worst", "diagram", "target", "met"),
                     [(f"{PREVIEW_STEPS} steps", _ms(median), _ms(max(times)),
                       "Graphviz SVG" if drawn else "none (no Graphviz)", f"≤ {PREVIEW_TARGET_MS} ms",
                       "yes" if median * 1000 <= PREVIEW_TARGET_MS else "NO")]))
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one small size, seconds long")
    print(run(parser.parse_args().smoke))
