"""The preview page in headless Chromium (Debian's package), driven over the Chrome
DevTools protocol: it shows the diagram and the manual, a click on a step scrolls the
manual to it, a saved change is redrawn, a saved error shows the diagnostics instead;
screenshots of both go to the test's tmp folder (PROCDSL_SCREENSHOTS=DIR keeps copies)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from procdsl import preview
from procdsl.emitters.render import dot_available

websocket = pytest.importorskip("websocket", reason="websocket-client (the test extra) is not installed")

ROOT = Path(__file__).resolve().parents[1]
ZH = (ROOT / "specs" / "请假流程.proc").read_text(encoding="utf-8")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install "
                                                "chromium); the browser test needs a real browser"),
    pytest.mark.skipif(not dot_available(), reason="Graphviz (dot) is not installed"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
         "--window-size=1400,900", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0"]


class Browser:
    """One Chromium page, spoken to over its DevTools websocket."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        self.process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert self.process.poll() is None, "Chromium exited at start"
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            pages = [p for p in json.loads(reply.read()) if p["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                assert "error" not in message, message["error"]
                result: dict[str, Any] = message["result"]
                return result

    def eval(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while True:  # while the page loads, document.body may not be there yet
            value = self.eval(f"(() => {{ try {{ return {expression}; }} catch (e) {{ return false; }} }})()")
            if value:
                return value
            assert time.monotonic() < deadline, f"the page never showed: {expression}"
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        box = self.eval(f"""(() => {{ const el = document.querySelector({json.dumps(selector)});
            el.scrollIntoView({{block: "center"}}); const r = el.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
                      clickCount=1)

    def screenshot(self, path: Path) -> Path:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        keep = os.environ.get("PROCDSL_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Browser]:
    profile = tmp_path / "profile"
    profile.mkdir()
    found = Browser(profile)
    yield found
    found.close()


def test_preview_page_redraws_on_save_and_shows_errors(tmp_path: Path, browser: Browser) -> None:
    spec = tmp_path / "请假流程.proc"
    spec.write_text(ZH, encoding="utf-8")
    with preview.start(spec) as running:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=running.url)
        browser.wait("document.body.dataset.version === '1' && !!document.querySelector('#diagram svg')")
        assert browser.eval("document.querySelector('#manual').textContent.includes('主管审批请假')")
        assert browser.eval("document.querySelectorAll('#diagram g.node.clickable').length") >= 6
        assert browser.eval("document.getElementById('panes').hidden") is False

        # a click on a step in the diagram scrolls the manual to that step
        before = browser.eval("document.getElementById('manual-pane').scrollTop")
        browser.click('#diagram g.node[data-step="经理审批"]')
        browser.wait("document.body.dataset.selected === '经理审批'", timeout=5)
        assert browser.eval("document.getElementById('step-经理审批').classList.contains('selected')")
        after = browser.eval("document.getElementById('manual-pane').scrollTop")
        assert after > before
        top = browser.eval("""(() => { const pane = document.getElementById('manual-pane');
            return document.getElementById('step-经理审批').getBoundingClientRect().top
                   - pane.getBoundingClientRect().top; })()""")
        assert -5 <= top <= 60  # the step's heading is at the top of the manual pane

        # saving a change redraws the diagram and the manual
        spec.write_text(ZH.replace("填写请假单", "填写电子请假单"), encoding="utf-8")
        browser.wait("document.body.dataset.version === '2'", timeout=15)
        assert browser.eval("document.querySelector('#diagram svg').textContent.includes('填写电子请假单')")
        assert browser.eval("document.querySelector('#manual').textContent.includes('填写电子请假单')")
        assert browser.eval("document.getElementById('step-经理审批').classList.contains('selected')")
        good = browser.screenshot(tmp_path / "preview-ok.png")

        # saving an error shows the diagnostics instead of a stale picture
        spec.write_text(ZH.replace("由 经理 补充", "由 总监 补充"), encoding="utf-8")
        browser.wait("document.body.dataset.ok === 'false'", timeout=15)
        assert browser.eval("document.getElementById('panes').hidden") is True
        assert browser.eval("document.querySelector('#diagram svg') === null")
        codes = browser.eval("Array.from(document.querySelectorAll('#problem-list li'), li => li.dataset.code)")
        assert "PD202" in codes
        assert browser.eval("document.getElementById('problems').textContent.includes('总监')")
        bad = browser.screenshot(tmp_path / "preview-error.png")

        # and fixing it brings the picture back
        spec.write_text(ZH, encoding="utf-8")
        browser.wait("document.body.dataset.ok === 'true' && !!document.querySelector('#diagram svg')")
    for shot in (good, bad):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
