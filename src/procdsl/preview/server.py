"""The preview's web server: the standard library's ThreadingHTTPServer on a loopback
address only, a watcher that rebuilds the page's state when the spec is saved
(watchfiles; polling when it is not installed), and Server-Sent Events that tell the
page a new version is there.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .page import CSS, PAGE, SCRIPT, build_state

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
KEEPALIVE_SECONDS = 15.0


def loopback(host: str) -> str:
    """Return host as a loopback address to bind to; anything else is refused."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"the preview serves this machine only: bind to 127.0.0.1, not {host!r}")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    preview: Preview


class Preview:
    """A running preview of one spec; ``url`` is where to look, ``close()`` stops it."""

    def __init__(self, path: str | Path, host: str = "127.0.0.1", port: int = 0,
                 render_svg: bool = True) -> None:
        self.path = Path(path)
        self.render_svg = render_svg
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.digest: str | None = None
        self.state: dict[str, Any] = {}
        self.rebuild(force=True)
        self.httpd = _HTTPServer((loopback(host), port), _Handler)
        self.httpd.preview = self
        address = self.httpd.server_address
        bound_host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
        bound_port = int(address[1])
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = f"http://{shown}:{bound_port}/"
        self.allowed_hosts = {f"{shown}:{bound_port}", f"localhost:{bound_port}"}
        self.threads = [threading.Thread(target=self.httpd.serve_forever, name="preview-http",
                                         kwargs={"poll_interval": 0.2}, daemon=True),
                        threading.Thread(target=self._watch, name="preview-watch", daemon=True)]
        for thread in self.threads:
            thread.start()

    # ---------------------------------------------------------------- state
    @property
    def version(self) -> int:
        return int(self.state.get("version", 0))

    def rebuild(self, force: bool = False) -> bool:
        """Rebuild the page's state when the spec's bytes changed; return whether it did."""
        try:
            digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            digest = "unreadable"
        if not force and digest == self.digest:
            return False
        state = build_state(self.path, self.version + 1, self.render_svg)
        with self.changed:
            self.digest = digest
            self.state = state
            self.changed.notify_all()
        return True

    def wait_version(self, after: int, timeout: float) -> int:
        """Wait until the version passes ``after`` (or timeout, or close); return it."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != after or self.stopping.is_set(), timeout)
            return self.version

    def _watch(self) -> None:
        try:
            from watchfiles import watch
        except ImportError:
            self._poll()
            return
        target = self.path.resolve()
        try:
            # Every second without a change it yields nothing and the bytes are compared
            # again: a save made before the watch was set up is not missed for long.
            for _ in watch(target.parent, stop_event=self.stopping, debounce=400, step=30,
                           rust_timeout=1000, yield_on_timeout=True,
                           watch_filter=lambda _change, p: Path(p).name == target.name):
                self.rebuild()
        except Exception:  # the folder vanished, too many watches ...: fall back to polling
            if not self.stopping.is_set():
                self._poll()

    def _poll(self) -> None:
        while not self.stopping.wait(0.25):
            self.rebuild()

    def close(self) -> None:
        """Stop serving and watching; return when both have stopped."""
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self.threads:
            thread.join(5)

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "procdsl-preview"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return  # quiet: the terminal shows the URL, not every request

    def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self._common_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _common_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's name
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        preview = self.server.preview
        if self.headers.get("Host", "") not in preview.allowed_hosts:
            self._send(b"unknown host\n", "text/plain; charset=utf-8", HTTPStatus.FORBIDDEN)
            return  # a page elsewhere that resolved its own name to 127.0.0.1
        route = self.path.split("?", 1)[0]
        if route == "/":
            self._send(PAGE.encode("utf-8"), "text/html; charset=utf-8")
        elif route == "/app.js":
            self._send(SCRIPT.encode("utf-8"), "text/javascript; charset=utf-8")
        elif route == "/app.css":
            self._send(CSS.encode("utf-8"), "text/css; charset=utf-8")
        elif route == "/state":
            self._send(json.dumps(preview.state, ensure_ascii=False).encode("utf-8"),
                       "application/json; charset=utf-8")
        elif route == "/version":
            self._send(json.dumps({"version": preview.version}).encode("utf-8"),
                       "application/json")
        elif route == "/events":
            self._events(preview)
        elif route == "/favicon.ico":
            self._send(b"", "image/x-icon", HTTPStatus.NO_CONTENT)
        else:
            self._send(b"not found\n", "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)

    def _events(self, preview: Preview) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self._common_headers()
        self.end_headers()
        seen = -1
        try:
            while not preview.stopping.is_set():
                version = preview.version if seen == -1 else preview.wait_version(seen, KEEPALIVE_SECONDS)
                if preview.stopping.is_set():
                    break
                if version != seen:
                    self.wfile.write(f"data: {json.dumps({'version': version})}\n\n".encode())
                    seen = version
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
