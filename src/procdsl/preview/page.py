"""What the preview page shows for one spec: its diagram (SVG), its manual (as HTML) or,
when it has errors, the diagnostics; and the page itself (HTML, script, style).

Spec text never becomes live HTML: the manual is Markdown rendered with raw HTML off
(markdown-it-py escapes every character of text), the diagram is Graphviz's SVG, and
the script builds the diagnostics with ``textContent`` and strips any script, handler
or outside link from what it inserts; the page's Content-Security-Policy allows scripts
from the page's own origin only.
"""

from __future__ import annotations

import html
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..compiler import SPEC_SUFFIX, SpecFileError, check_text, display_path, process_names, read_spec
from ..diagnostics import Severity, render_full, render_summary

GRAPHVIZ_NOTE = {
    "en": "The diagram needs Graphviz ('dot'), which is not installed here; the manual is "
          "shown alone. Install it (apt-get install graphviz, or brew install graphviz) and "
          "save the spec again.",
    "zh": "绘制流程图需要 Graphviz（dot 命令），本机未安装，因此只显示操作手册。安装 Graphviz"
          "（apt-get install graphviz 或 brew install graphviz）后再保存一次规格文件即可。",
}


def markdown_html(text: str, step_ids: dict[str, str], ends_heading: str | None) -> str:
    """Return Markdown as HTML with raw HTML disabled; third-level headings named in
    step_ids (heading text -> step name) get ``id="step-NAME"``, the ends heading
    ``id="ends"``.  Without markdown-it-py the text is shown escaped, as it is."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return f"<pre>{html.escape(text)}</pre>"
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    lines = text.split("\n")
    while lines and lines[0].startswith("<!--") and lines[0].rstrip().endswith("-->"):
        lines.pop(0)  # procdsl's generated-file notice: for files, not for the page
    tokens = md.parse("\n".join(lines))
    for i, token in enumerate(tokens[:-1]):
        if token.type != "heading_open" or token.tag != "h3":
            continue
        content = tokens[i + 1].content
        if content in step_ids:
            token.attrSet("id", f"step-{step_ids[content]}")
            token.attrSet("class", "step-heading")
        elif ends_heading is not None and content == ends_heading:
            token.attrSet("id", "ends")
    rendered: str = md.renderer.render(tokens, md.options, {})
    return rendered


def _diagnostics(unit: Any, lang: str) -> list[dict[str, Any]]:
    out = []
    for d in unit.diagnostics:
        item = d.to_json(lang)
        item["text"] = render_full(d, unit.sources, lang)
        out.append(item)
    return out


def build_state(path: Path, version: int, render_svg: bool = True) -> dict[str, Any]:
    """Return everything the page shows for the spec at path, as JSON-ready data."""
    started = time.perf_counter()
    state: dict[str, Any] = {"version": version, "path": str(path), "ok": False, "title": path.name,
                             "svg": None, "manual_html": "", "note": None, "diagnostics": [],
                             "summary": "", "lang": "en"}
    try:
        data = read_spec(path)
    except (OSError, SpecFileError) as err:
        state["summary"] = f"cannot read {path}: {getattr(err, 'strerror', None) or err}"
        return state
    try:
        names = process_names(sorted(path.parent.glob("*" + SPEC_SUFFIX)))
    except OSError:
        names = frozenset()
    unit = check_text(display_path(path), data, names)
    lang = unit.lang
    state["lang"] = lang
    state["diagnostics"] = _diagnostics(unit, lang)
    if unit.diagnostics:
        state["summary"] = render_summary(unit.diagnostics, lang)
    if not unit.ok or unit.spec is None:
        state["errors"] = sum(d.severity is Severity.ERROR for d in unit.diagnostics)
        state["ms"] = round((time.perf_counter() - started) * 1000)
        return state
    spec = unit.spec
    state["ok"] = True
    state["title"] = spec.process.label
    from ..emitters.diagram import build_diagram
    from ..emitters.dot import diagram_dot
    from ..emitters.markdown import emit_markdown, load_labels, md_inline
    from ..plan import plan_of

    plan = plan_of(spec)
    drawing: Future[bytes] | None = None
    pool = ThreadPoolExecutor(max_workers=1)
    if render_svg:  # Graphviz lays the diagram out in its own process while the manual is made
        from ..emitters.render import render

        drawing = pool.submit(render, diagram_dot(build_diagram(spec, lang, plan), lang), "svg")
    else:
        state["note"] = GRAPHVIZ_NOTE[lang if lang == "zh" else "en"]
    steps = {f"{n}. {md_inline(task.label)}": task.name.text
             for n, task in enumerate(plan.order, start=1)}
    labels = load_labels(None, lang)
    state["manual_html"] = markdown_html(emit_markdown(spec, lang=lang), steps, labels.get("ends"))
    if drawing is not None:
        from ..emitters.render import RenderError

        try:
            state["svg"] = drawing.result().decode("utf-8")
        except RenderError as err:
            state["note"] = (GRAPHVIZ_NOTE[lang if lang == "zh" else "en"]
                             if "not found" in str(err) else str(err))
    pool.shutdown(wait=False)
    state["ms"] = round((time.perf_counter() - started) * 1000)
    return state


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>procdsl preview</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body data-version="-1">
<header>
  <strong id="title">procdsl preview</strong>
  <span id="status">loading…</span>
  <button id="zoom" type="button" title="diagram: fit the pane / actual size">⤢</button>
</header>
<section id="problems" hidden>
  <h2 id="problems-title"></h2>
  <ol id="problem-list"></ol>
</section>
<main id="panes" hidden>
  <section id="diagram-pane"><div id="diagram"></div></section>
  <section id="manual-pane"><article id="manual"></article></section>
</main>
</body>
</html>
"""

CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font-family: "Noto Sans CJK SC", "Noto Sans", system-ui,
  sans-serif; color: #1f2328; background: #f6f8fa; }
body { display: flex; flex-direction: column; }
header { display: flex; gap: 1em; align-items: baseline; padding: 0.5em 1em;
  background: #24292f; color: #fff; }
header #status { color: #c9d1d9; font-size: 0.9em; flex: 1; }
header button { background: #57606a; color: #fff; border: 0; border-radius: 4px; padding: 0.1em 0.6em;
  cursor: pointer; }
#problems { margin: 0.75em 1em; padding: 0.5em 1em; background: #fff5f5;
  border: 1px solid #d1242f; border-radius: 6px; overflow: auto; }
#problems.warnings { background: #fff8c5; border-color: #9a6700; }
#problems h2 { font-size: 1em; margin: 0.3em 0; }
#problems pre { white-space: pre-wrap; margin: 0.2em 0 0.8em; font-size: 0.85em;
  font-family: "Noto Sans Mono CJK SC", "Noto Mono", monospace; }
#problem-list { margin: 0; padding-left: 1.2em; }
main { flex: 1; display: grid; grid-template-columns: 1fr 1fr; gap: 0; min-height: 0; }
main[hidden], section[hidden] { display: none; }
#diagram-pane, #manual-pane { overflow: auto; padding: 0.75em; min-height: 0; }
#diagram-pane { background: #fff; border-right: 1px solid #d0d7de; }
#diagram svg { max-width: 100%; height: auto; }
#diagram.actual svg { max-width: none; }
#diagram g.node.clickable { cursor: pointer; }
#diagram g.node.clickable:hover polygon, #diagram g.node.clickable:hover path,
#diagram g.node.clickable:hover ellipse { stroke-width: 3; }
.note { padding: 1em; background: #ddf4ff; border: 1px solid #54aeff; border-radius: 6px; }
#manual { max-width: 60em; background: #fff; padding: 0.5em 1.5em; border-radius: 6px; }
#manual table { border-collapse: collapse; margin: 0.5em 0; }
#manual th, #manual td { border: 1px solid #d0d7de; padding: 0.2em 0.5em; }
#manual h3.selected { background: #fff8c5; outline: 2px solid #d4a72c; }
"""

SCRIPT = r"""
"use strict";
let version = -1;
let loading = false;
const $ = (id) => document.getElementById(id);

// Remove anything that could run or reach outside from inserted markup.
function clean(root) {
  for (const el of Array.from(root.querySelectorAll(
      "script, foreignObject, iframe, object, embed, link, meta, style, form, base"))) {
    el.remove();
  }
  for (const el of [root, ...root.querySelectorAll("*")]) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith("on") || name === "style" ||
          ((name === "href" || name.endsWith(":href") || name === "src") &&
           !value.startsWith("#"))) {
        el.removeAttribute(attr.name);
      }
    }
  }
  return root;
}

function showProblems(state) {
  const box = $("problems");
  const list = $("problem-list");
  list.replaceChildren();
  if (!state.diagnostics.length && state.ok) { box.hidden = true; return; }
  box.hidden = false;
  box.classList.toggle("warnings", state.ok);
  $("problems-title").textContent = state.summary || "";
  for (const d of state.diagnostics) {
    const item = document.createElement("li");
    item.className = "diagnostic " + d.severity;
    item.dataset.code = d.code;
    const text = document.createElement("pre");
    text.textContent = d.text;
    item.append(text);
    list.append(item);
  }
}

function mark(name) {
  const target = document.getElementById(name === "#ends" ? "ends" : "step-" + name);
  for (const old of document.querySelectorAll("#manual .selected")) { old.classList.remove("selected"); }
  if (target) { target.classList.add("selected"); }
  return target;
}

function jump(name) {
  const target = mark(name);
  if (!target) { return; }
  target.scrollIntoView({ block: "start" });
  document.body.dataset.selected = name;
}

function showDiagram(state) {
  const pane = $("diagram");
  if (!state.svg) {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = state.note || "";
    pane.replaceChildren(note);
    return;
  }
  const parsed = new DOMParser().parseFromString(state.svg, "image/svg+xml");
  const svg = parsed.documentElement;
  if (svg.nodeName.toLowerCase() !== "svg") { pane.replaceChildren(); return; }
  const node = document.importNode(clean(svg), true);
  pane.replaceChildren(node);
  for (const g of node.querySelectorAll("g.node")) {
    const title = g.querySelector("title");
    const id = title ? title.textContent : "";
    let found = /^[tcd]\.([^.]+)/.exec(id);
    let name = found ? found[1] : null;
    if (!name && /^e\./.test(id)) { name = "#ends"; }
    if (!name) { continue; }
    g.classList.add("clickable");
    g.dataset.step = name;
    g.addEventListener("click", () => jump(name));
  }
}

function showManual(state) {
  const parsed = new DOMParser().parseFromString(state.manual_html, "text/html");
  clean(parsed.body);
  $("manual").replaceChildren(...Array.from(parsed.body.childNodes, (n) => document.importNode(n, true)));
}

function apply(state) {
  version = state.version;
  $("title").textContent = state.title || state.path;
  document.title = (state.ok ? "" : "✖ ") + (state.title || "procdsl") + " · preview";
  const when = new Date().toLocaleTimeString();
  $("status").textContent = state.path + " · v" + state.version + " · " + when +
      (state.ms !== undefined ? " · " + state.ms + " ms" : "");
  showProblems(state);
  if (state.ok) {
    showDiagram(state);
    showManual(state);
    if (document.body.dataset.selected) { mark(document.body.dataset.selected); }  // kept across redraws
    $("panes").hidden = false;
  } else {
    $("panes").hidden = true;  // never a stale picture beside the errors
    $("diagram").replaceChildren();
    $("manual").replaceChildren();
  }
  document.body.dataset.ok = String(state.ok);
  document.body.dataset.version = String(state.version);
}

async function refresh() {
  if (loading) { return; }
  loading = true;
  try {
    const reply = await fetch("/state", { cache: "no-store" });
    apply(await reply.json());
  } catch (err) {
    $("status").textContent = "preview server not reachable: " + err;
  } finally {
    loading = false;
  }
}

function listen() {
  if (window.EventSource) {
    const events = new EventSource("/events");
    events.onmessage = (e) => {
      const seen = JSON.parse(e.data).version;
      if (seen !== version) { refresh(); }
    };
  }
  setInterval(async () => {  // a fallback should the event stream drop
    try {
      const reply = await fetch("/version", { cache: "no-store" });
      const seen = (await reply.json()).version;
      if (seen !== version) { refresh(); }
    } catch (err) { /* the server stopped; the status line says so on the next refresh */ }
  }, 2000);
}

$("zoom").addEventListener("click", () => $("diagram").classList.toggle("actual"));
refresh();
listen();
"""
