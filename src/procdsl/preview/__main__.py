"""``python -m procdsl.preview SPEC [--port N] [--open]``: the preview without the CLI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import serve


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m procdsl.preview",
                                     description="Preview a spec's diagram and manual in a browser.")
    parser.add_argument("spec", help="the .proc file to preview")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--open", action="store_true", help="open the page in the browser")
    args = parser.parse_args(argv)
    if not Path(args.spec).is_file():
        sys.stderr.write(f"procdsl preview: no such file: {args.spec}\n")
        return 2
    def ready(url: str) -> None:
        sys.stderr.write(f"procdsl preview: serving {args.spec} at {url} (Ctrl-C stops)\n")
        sys.stderr.flush()

    try:
        serve(args.spec, args.host, args.port, open_browser=args.open, ready=ready)
    except ValueError as err:
        sys.stderr.write(f"procdsl preview: {err}\n")
        return 2
    return 0


raise SystemExit(_main())
