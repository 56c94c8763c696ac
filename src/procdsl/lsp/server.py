"""``procdsl lsp``: the language server (pygls, stdio).

Every handler runs inside ``_guarded``: whatever goes wrong in procdsl becomes one log
message to the client and an empty answer, never a traceback in a response.  A rename
the spec cannot take is refused with a plain message (a request error, as the protocol
has it).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..compiler import SPEC_SUFFIX, display_path, process_names
from . import features as f
from .document import BlockCache

R = TypeVar("R")
REQUEST_FAILED = -32803  # the protocol's RequestFailed


class ProcdslServer(LanguageServer):
    """The language server, with one compiled analysis per open document."""

    def __init__(self) -> None:
        super().__init__("procdsl", __version__,
                         text_document_sync_kind=t.TextDocumentSyncKind.Incremental)
        self.analyses: dict[str, f.Analysis] = {}
        self.caches: dict[str, BlockCache] = {}
        self.folders: dict[str, frozenset[str]] = {}  # folder -> process names in it
        self.client_lang: str | None = None
        self.forced_lang: str | None = None

    # ---------------------------------------------------------------- helpers
    def log(self, message: str, kind: t.MessageType = t.MessageType.Error) -> None:
        self.window_log_message(t.LogMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls's own errors: a log line, not a pop-up with the exception's text."""
        self.log(f"procdsl lsp: {type(error).__name__}: {error}")

    def path_of(self, uri: str) -> str:
        fs = to_fs_path(uri)
        return display_path(Path(fs)) if fs else uri

    def processes(self, uri: str, refresh: bool = False) -> frozenset[str]:
        """Return the process names a spec may ``run``: those of the .proc files beside it
        (as ``procdsl graph``/``build`` see them) and of every open spec."""
        fs = to_fs_path(uri)
        names: set[str] = set()
        if fs:
            folder = str(Path(fs).parent)
            if refresh or folder not in self.folders:
                try:
                    self.folders[folder] = process_names(sorted(Path(folder).glob("*" + SPEC_SUFFIX)))
                except OSError:
                    self.folders[folder] = frozenset()
            names |= self.folders[folder]
        for other in self.analyses.values():
            if other.spec is not None and other.uri != uri:
                names.add(other.spec.process.name.text)
        return frozenset(names)

    def analysis(self, uri: str) -> f.Analysis | None:
        """Return the document's analysis, compiling it when its text changed."""
        doc = self.workspace.get_text_document(uri)
        text = doc.source
        found = self.analyses.get(uri)
        if found is not None and found.text == text:
            return found
        encoding = str(self.server_capabilities.position_encoding or "utf-16")
        found = f.analyse(uri, self.path_of(uri), text, self.processes(uri),
                          self.caches.setdefault(uri, BlockCache()), self.client_lang,
                          self.forced_lang, encoding)
        self.analyses[uri] = found
        return found

    def publish(self, uri: str, version: int | None) -> None:
        found = self.analysis(uri)
        if found is None:
            return
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(
            uri=uri, diagnostics=f.diagnostics(found), version=version))


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(server: ProcdslServer, default: Any) -> Callable[[F], F]:
    """Wrap a handler: a RenameRefused becomes a request error with its message; any
    other exception a log message and ``default``."""
    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def run(params: Any) -> Any:
            try:
                return handler(params)
            except f.RenameRefused as refused:
                raise JsonRpcException(str(refused), code=REQUEST_FAILED) from None
            except Exception as err:  # never a traceback to the client
                name = getattr(handler, "__name__", "handler")
                server.log(f"procdsl lsp: {name} failed: {type(err).__name__}: {err}")
                return default
        return run  # type: ignore[return-value]
    return wrap


def create_server() -> ProcdslServer:
    """Return a server with every feature registered."""
    server = ProcdslServer()
    guard = functools.partial(_guarded, server)

    @server.feature(t.INITIALIZE)
    @guard(None)
    def initialize(params: t.InitializeParams) -> None:
        server.client_lang = f.locale_lang(params.locale)
        options = params.initialization_options
        if isinstance(options, dict) and options.get("lang") in ("zh", "en"):
            server.forced_lang = options["lang"]

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    @guard(None)
    def did_open(params: t.DidOpenTextDocumentParams) -> None:
        server.processes(params.text_document.uri, refresh=True)
        server.publish(params.text_document.uri, params.text_document.version)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    @guard(None)
    def did_change(params: t.DidChangeTextDocumentParams) -> None:
        server.publish(params.text_document.uri, params.text_document.version)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    @guard(None)
    def did_save(params: t.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        server.processes(uri, refresh=True)
        server.analyses.pop(uri, None)
        server.publish(uri, None)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    @guard(None)
    def did_close(params: t.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        server.analyses.pop(uri, None)
        server.caches.pop(uri, None)
        server.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(t.TEXT_DOCUMENT_COMPLETION,
                    t.CompletionOptions(trigger_characters=[" ", ">", ","]))
    @guard(None)
    def completion(params: t.CompletionParams) -> t.CompletionList | None:
        found = server.analysis(params.text_document.uri)
        if found is None:
            return None
        return t.CompletionList(is_incomplete=False, items=f.completions(found, params.position))

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    @guard(None)
    def hover(params: t.HoverParams) -> t.Hover | None:
        found = server.analysis(params.text_document.uri)
        return f.hover(found, params.position) if found else None

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    @guard(None)
    def definition(params: t.DefinitionParams) -> t.Location | None:
        found = server.analysis(params.text_document.uri)
        return f.definition(found, params.position) if found else None

    @server.feature(t.TEXT_DOCUMENT_REFERENCES)
    @guard([])
    def references(params: t.ReferenceParams) -> list[t.Location]:
        found = server.analysis(params.text_document.uri)
        if found is None:
            return []
        return f.find_references(found, params.position, params.context.include_declaration)

    @server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
    @guard(None)
    def prepare_rename(params: t.PrepareRenameParams) -> t.PrepareRenamePlaceholder | None:
        found = server.analysis(params.text_document.uri)
        return f.prepare_rename(found, params.position) if found else None

    @server.feature(t.TEXT_DOCUMENT_RENAME, t.RenameOptions(prepare_provider=True))
    @guard(None)
    def rename(params: t.RenameParams) -> t.WorkspaceEdit | None:
        found = server.analysis(params.text_document.uri)
        return f.rename(found, params.position, params.new_name) if found else None

    @server.feature(t.TEXT_DOCUMENT_FORMATTING)
    @guard(None)
    def formatting(params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
        found = server.analysis(params.text_document.uri)
        return f.formatting(found) if found else None

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guard([])
    def symbols(params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
        found = server.analysis(params.text_document.uri)
        return f.document_symbols(found) if found else []

    @server.feature(t.TEXT_DOCUMENT_FOLDING_RANGE)
    @guard([])
    def folding(params: t.FoldingRangeParams) -> list[t.FoldingRange]:
        found = server.analysis(params.text_document.uri)
        return f.folding_ranges(found) if found else []

    return server


def main() -> None:
    """Run the server on standard input and output until the client says exit."""
    logging.getLogger("pygls").setLevel(logging.CRITICAL)  # errors go to the client's log
    create_server().start_io()
