"""A look at the BPMN: a seed process drawn by bpmn-js (the bpmn.io viewer Camunda
Modeler is built on) in headless Chromium, saved as a PNG.

Needs node/npm (``npm ci`` in tests/bpmn_view, pinned bpmn-js) and Chromium (Debian:
``apt-get install -y chromium``); skipped, with the reason, when either is absent.  Set
``PROCDSL_BPMN_PNG=FILE`` to keep the picture.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from procdsl.compiler import check_text
from procdsl.emitters.bpmn import emit_bpmn

ROOT = Path(__file__).resolve().parents[1]
VIEW = ROOT / "tests" / "bpmn_view"
VIEWER = VIEW / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
LINT = VIEW / "node_modules" / ".bin" / "bpmnlint"
SEED = ROOT / "specs" / "employee_onboarding.proc"
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                        "google-chrome")) if p), None)
NPM = shutil.which("npm")
NODE = shutil.which("node")

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>html,body,#canvas{{margin:0;width:100%;height:100%;background:#fff}}</style>
</head><body><div id="canvas"></div><pre id="status">loading</pre>
<script>{viewer}</script>
<script>
const xml = {xml};
const viewer = new BpmnJS({{container: '#canvas'}});
viewer.importXML(xml).then(function (result) {{
  viewer.get('canvas').zoom('fit-viewport');
  const n = viewer.get('elementRegistry').getAll().length;
  document.title = 'ok ' + n + ' ' + result.warnings.length;
  document.getElementById('status').textContent = '';
}}).catch(function (err) {{
  document.title = 'error';
  document.getElementById('status').textContent = 'ERROR ' + err.message;
}});
</script></body></html>
"""


def _viewer() -> Path:
    _npm_ci()
    return VIEWER


def _npm_ci() -> None:
    if not (VIEWER.exists() and LINT.exists()):
        if NPM is None:
            pytest.skip("node/npm not found: cannot install bpmn-js (tests/bpmn_view)")
        done = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=VIEW,
                              capture_output=True, text=True, timeout=240)
        if done.returncode != 0 or not VIEWER.exists():
            pytest.skip(f"npm could not install bpmn-js: {done.stderr.strip()[-300:]}")


@pytest.mark.slow
def test_bpmn_js_draws_a_seed_process() -> None:
    if CHROMIUM is None:
        pytest.skip("Chromium not found (Debian: apt-get install -y chromium)")
    viewer = _viewer()
    unit = check_text("specs/employee_onboarding.proc", SEED.read_bytes())
    assert unit.spec is not None
    xml = emit_bpmn(unit.spec)
    with tempfile.TemporaryDirectory(prefix="procdsl_bpmn_view_") as tmp:
        page = Path(tmp) / "view.html"
        page.write_text(PAGE.format(viewer=viewer.read_text(encoding="utf-8"),
                                    xml=json.dumps(xml).replace("</", "<\\/")),
                        encoding="utf-8")
        png = Path(tmp) / "view.png"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp}/profile", "--virtual-time-budget=5000",
                 "--hide-scrollbars", "--window-size=2200,1200"]
        shot = subprocess.run([CHROMIUM, *flags, f"--screenshot={png}", page.as_uri()],
                              capture_output=True, text=True, timeout=90)
        dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=90)
        assert shot.returncode == 0 and png.exists(), shot.stderr[-500:]
        keep = os.environ.get("PROCDSL_BPMN_PNG")
        if keep:
            shutil.copyfile(png, keep)
        assert "<title>ok " in dom.stdout, dom.stdout[-500:]
        assert 'class="djs-element djs-shape' in dom.stdout  # shapes were drawn
        for lane in ("HR officer", "IT support", "facilities", "payroll", "Hiring manager"):
            assert lane in dom.stdout
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # not blank


def test_the_zeebe_dialect_passes_the_camunda_8_rules(tmp_path: Path) -> None:
    """Every spec (and the import tests' kitchen sink) as ``dialect="zeebe"``: bpmnlint
    with bpmnlint-plugin-camunda-compat's Camunda 8.6 rules (what the Camunda Modeler
    checks before it deploys: FEEL syntax, zeebe extension elements, supported
    elements) finds no error.  Warnings (user tasks without a form) are allowed."""
    if NODE is None:
        pytest.skip("node not found: cannot run bpmnlint (tests/bpmn_view)")
    _npm_ci()
    if not LINT.exists():
        pytest.skip("bpmnlint is not installed in tests/bpmn_view (npm ci)")
    from .test_bpmn_import import KITCHEN

    files = []
    specs = [(p.stem, p.relative_to(ROOT).as_posix(), p.read_bytes())
             for p in sorted((ROOT / "specs").glob("*.proc"))]
    specs.append(("kitchen", "kitchen.proc", KITCHEN.encode("utf-8")))
    for stem, shown, data in specs:
        unit = check_text(shown, data)
        assert unit.spec is not None
        target = tmp_path / f"{stem}.bpmn"
        target.write_text(emit_bpmn(unit.spec, dialect="zeebe"), encoding="utf-8")
        files.append(str(target))
    done = subprocess.run([str(LINT), *files], cwd=VIEW, capture_output=True, text=True,
                          timeout=120)
    errors = [line for line in done.stdout.splitlines() if " error " in line]
    assert done.returncode == 0 and not errors, (errors or done.stdout[-2000:]) + [done.stderr]
    assert "problems (0 errors" in done.stdout or "problem" not in done.stdout
