"""`procdsl lsp`, driven by pygls's LanguageClient over a real stdio pipe
(``python -m procdsl.lsp`` in a subprocess), on a Chinese and an English spec."""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("pygls", reason="the lsp extra (pygls) is not installed")

from lsprotocol import types as t  # noqa: E402
from pygls.exceptions import JsonRpcException  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from procdsl.compiler import check_text  # noqa: E402
from procdsl.formatter import format_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ZH = (ROOT / "specs" / "请假流程.proc").read_text(encoding="utf-8")
EN = (ROOT / "specs" / "expense_reimbursement.proc").read_text(encoding="utf-8")
T = TypeVar("T")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pos(text: str, needle: str, nth: int = 0, delta: int = 0) -> t.Position:
    """Return the LSP position of the nth occurrence of needle (plus delta characters)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return t.Position(line=line, character=utf16(text[start:at]))


def end_of(text: str, needle: str, nth: int = 0) -> t.Position:
    return pos(text, needle, nth, len(needle))


class Session:
    """One language server for the module; the client runs in a thread's event loop."""

    def __init__(self, folder: Path, encodings: list[str] | None = None) -> None:
        self.folder = folder
        self.encodings = encodings
        self.encoding = ""
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.diagnostics: dict[str, list[t.PublishDiagnosticsParams]] = {}
        self.logs: list[str] = []
        self.changed = threading.Condition()
        self.versions: dict[str, int] = {}
        self.client: LanguageClient = self.run(self._start())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> LanguageClient:
        client = LanguageClient("procdsl-tests", "1")

        @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
        def published(params: t.PublishDiagnosticsParams) -> None:
            with self.changed:
                self.diagnostics.setdefault(params.uri, []).append(params)
                self.changed.notify_all()

        @client.feature(t.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
        def logged(params: t.LogMessageParams) -> None:
            self.logs.append(params.message)

        await client.start_io(sys.executable, "-m", "procdsl.lsp")
        general = t.GeneralClientCapabilities(position_encodings=self.encodings) if self.encodings else None
        result = await client.initialize_async(t.InitializeParams(
            capabilities=t.ClientCapabilities(general=general), process_id=None, locale="en-US",
            root_uri=self.folder.as_uri()))
        self.encoding = str(result.capabilities.position_encoding)
        client.initialized(t.InitializedParams())
        return client

    def stop(self) -> None:
        async def bye() -> None:
            await self.client.shutdown_async(None)
            self.client.exit(None)
            await self.client.stop()  # type: ignore[no-untyped-call]
        try:
            self.run(bye(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)

    # ------------------------------------------------------------ documents
    def open(self, name: str, text: str) -> str:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        self.versions[uri] = 1
        self.loop.call_soon_threadsafe(self.client.text_document_did_open, t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=uri, language_id="procdsl", version=1, text=text)))
        return uri

    def change(self, uri: str, text: str, rng: t.Range | None = None) -> int:
        """Send a change (the whole text, or text for rng); return the new version."""
        self.versions[uri] += 1
        version = self.versions[uri]
        change: Any = (t.TextDocumentContentChangeWholeDocument(text=text) if rng is None else
                       t.TextDocumentContentChangePartial(range=rng, text=text))
        self.loop.call_soon_threadsafe(self.client.text_document_did_change, t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[change]))
        return version

    def published(self, uri: str, version: int, timeout: float = 20) -> list[t.Diagnostic]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for params in reversed(self.diagnostics.get(uri, [])):
                    if params.version == version:
                        return list(params.diagnostics)
                left = deadline - time.monotonic()
                assert left > 0, f"no diagnostics for version {version} of {uri}"
                self.changed.wait(left)

    def doc(self, uri: str) -> t.TextDocumentIdentifier:
        return t.TextDocumentIdentifier(uri=uri)


@pytest.fixture(scope="module")
def lsp(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("lsp")
    session = Session(folder)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def zh(lsp: Session) -> str:
    uri = lsp.open("请假流程.proc", ZH)
    assert lsp.published(uri, 1) == []
    return uri


@pytest.fixture(scope="module")
def en(lsp: Session) -> str:
    uri = lsp.open("expense_reimbursement.proc", EN)
    assert lsp.published(uri, 1) == []
    return uri


def expected(name: str, text: str, lang: str) -> list[tuple[Any, ...]]:
    """The diagnostics `procdsl check` gives, as the LSP should show them."""
    unit = check_text(name, text.encode("utf-8"))
    lines = text.split("\n")
    out = []
    for d in unit.diagnostics:
        j = d.to_json(lang)
        start = (d.span.line - 1, utf16(lines[d.span.line - 1][: d.span.column - 1]))
        end = (d.span.end_line - 1, utf16(lines[d.span.end_line - 1][: d.span.end_column - 1]))
        out.append((j["code"], start, end, j["message"], j["hint"], j["severity"]))
    return out


def shown(diags: list[t.Diagnostic]) -> list[tuple[Any, ...]]:
    out = []
    for d in diags:
        data = d.data or {}
        out.append((d.code, (d.range.start.line, d.range.start.character),
                    (d.range.end.line, d.range.end.character), data["message"], data["hint"],
                    "error" if d.severity == t.DiagnosticSeverity.Error else "warning"))
        assert d.message.startswith(data["message"]) and d.source == "procdsl"
        if data["hint"]:
            assert data["hint"] in d.message
    return out


# ------------------------------------------------------------------ diagnostics


def test_diagnostics_are_those_of_check_in_chinese(lsp: Session, zh: str) -> None:
    broken = ZH.replace("通过 -> 人事备案", "通过 -> 人事审核").replace("由 经理 补充", "由 总监 补充")
    version = lsp.change(zh, broken)
    diags = lsp.published(zh, version)
    assert {d.code for d in diags} >= {"PD201", "PD202"}
    assert shown(diags) == expected("请假流程.proc", broken, "zh")
    assert any("提示" in d.message for d in diags)  # the hint, in Chinese
    version = lsp.change(zh, ZH)
    assert lsp.published(zh, version) == []


def test_incremental_changes_and_astral_characters_count_in_utf16(lsp: Session) -> None:
    text = ZH.replace('"填写请假单"', '"𠀀𠀀填写请假单"').replace("由 员工\n", "由 员工甲\n")
    text = text.replace('"人事登记假期" 由 人事,', '"𠀀人事登记假期" 由 人事乙,')
    uri = lsp.open("astral.proc", text)
    diags = lsp.published(uri, 1)
    assert shown(diags) == expected("astral.proc", text, "zh")
    bad = next(d for d in diags if "人事乙" in d.message)
    assert bad.range.start == pos(text, "人事乙")  # after two UTF-16 units for 𠀀
    assert bad.range.start.character == utf16(text.splitlines()[pos(text, "人事乙").line]
                                               .split("人事乙")[0])
    # an incremental edit: fix the role on the line with the astral character
    start = pos(text, "人事乙", delta=2)
    version = lsp.change(uri, "", t.Range(start=start, end=t.Position(line=start.line,
                                                                        character=start.character + 1)))
    after = lsp.published(uri, version)
    assert not any("人事乙" in d.message for d in after)
    assert any("员工甲" in d.message for d in after)


def test_a_client_that_counts_in_utf8_gets_utf8_positions(tmp_path: Path) -> None:
    session = Session(tmp_path, encodings=["utf-8", "utf-16"])
    try:
        assert session.encoding == "utf-8"
        text = ZH.replace('"人事登记假期" 由 人事,', '"𠀀人事登记假期" 由 人事乙,')
        uri = session.open("utf8.proc", text)
        bad = next(d for d in session.published(uri, 1) if "人事乙" in d.message)
        line = text.split("\n")[bad.range.start.line]
        assert bad.range.start.character == len(line.split("人事乙")[0].encode("utf-8"))
        found = session.run(session.client.text_document_definition_async(t.DefinitionParams(
            text_document=session.doc(uri), position=t.Position(
                line=bad.range.start.line, character=len(line.split("然后")[0].encode()) - 2))))
        assert found is None  # a comma, not a name
    finally:
        session.stop()


def test_english_diagnostics_and_warnings(lsp: Session, en: str) -> None:
    broken = EN.replace("then book_expense", "then book_expenses").replace("  payroll\n", "  payroll\n  idle\n")
    version = lsp.change(en, broken)
    diags = lsp.published(en, version)
    assert shown(diags) == expected("expense_reimbursement.proc", broken, "en")
    assert any(d.severity == t.DiagnosticSeverity.Warning for d in diags)  # the unused role
    assert any("hint:" in d.message for d in diags)
    version = lsp.change(en, EN)
    assert lsp.published(en, version) == []


# ------------------------------------------------------------------ completion


def labels(lsp: Session, uri: str, position: t.Position) -> list[str]:
    result = lsp.run(lsp.client.text_document_completion_async(t.CompletionParams(
        text_document=lsp.doc(uri), position=position)))
    assert isinstance(result, t.CompletionList)
    return [item.label for item in result.items]


def test_completion_in_context_chinese(lsp: Session) -> None:
    text = ZH + "\n步骤 补充 \"补充材料\"\n  由 \n  然后 \n  通过 -> 结束 \n  如果 \n  \n"
    uri = lsp.open("complete.proc", text)
    lsp.published(uri, 1)
    by = labels(lsp, uri, pos(text, "  由 \n", delta=4))
    assert by[:4] == ["员工", "主管", "经理", "人事"] and "全部" in by
    then = labels(lsp, uri, pos(text, "  然后 \n", delta=5))
    assert then[:6] == ["提交申请", "主管审批", "经理审批", "人事备案", "已批准", "未批准"]  # its block is broken
    assert labels(lsp, uri, end_of(text, "通过 -> 结束 ")) == ["已批准", "未批准"]
    assert labels(lsp, uri, pos(text, "  如果 \n", delta=5))[0] == "天数"
    items = labels(lsp, uri, t.Position(line=text.count("\n") - 1, character=2))
    assert items.index("由") < items.index("by") and "然后" in items and "时限" in items
    top = labels(lsp, uri, t.Position(line=text.count("\n"), character=0))
    assert {"步骤", "审批", "结束", "角色"} <= set(top)
    here = pos(text, "  由 \n", delta=4)
    version = lsp.change(uri, "主", t.Range(start=here, end=here))
    lsp.published(uri, version)
    partial = labels(lsp, uri, t.Position(line=here.line, character=here.character + 1))  # a word begun
    assert "主管" in partial


def test_completion_in_context_english(lsp: Session) -> None:
    text = EN + ("\nstep extra \"Extra\"\n  by \n  when category == \n  otherwise -> \n"
                 "  sla 2 \n")
    text = text.replace("  calendar office\n", "  calendar \n", 1)
    uri = lsp.open("complete_en.proc", text)
    lsp.published(uri, 1)
    assert labels(lsp, uri, pos(text, "  by \n", delta=5))[:3] == ["employee", "line_manager", "department_head"]
    assert labels(lsp, uri, pos(text, "category == \n", delta=12))[:3] == ["travel", "meals", "other"]
    assert "payment" in labels(lsp, uri, pos(text, "otherwise -> \n", delta=13))
    assert "paid" in labels(lsp, uri, pos(text, "otherwise -> \n", delta=13))
    assert labels(lsp, uri, pos(text, "  calendar \n", delta=11))[0] == "office"
    assert "workdays" in labels(lsp, uri, pos(text, "  sla 2 \n", delta=8))
    rule = labels(lsp, uri, end_of(text, "by rule "))
    assert rule == ["approval_limits"]


# ------------------------------------------------------------------ hover


def hover_text(lsp: Session, uri: str, position: t.Position) -> str:
    result = lsp.run(lsp.client.text_document_hover_async(t.HoverParams(
        text_document=lsp.doc(uri), position=position)))
    assert result is not None and isinstance(result.contents, t.MarkupContent)
    return result.contents.value


def test_hover_keywords_steps_and_roles(lsp: Session, zh: str, en: str) -> None:
    assert "办理人" in hover_text(lsp, zh, pos(ZH, "  由 员工", delta=2))
    step = hover_text(lsp, zh, pos(ZH, "然后 主管审批", delta=4))
    assert "主管审批请假" in step and "经理审批" in step and "结束 未批准" in step
    role = hover_text(lsp, zh, pos(ZH, "由 主管", delta=2))
    assert "部门主管" in role and "主管审批" in role
    en_step = hover_text(lsp, en, pos(EN, "then manager_approval", delta=6))
    assert "finance_audit" in en_step and "query -> clarify" in en_step
    assert "Who does the task" in hover_text(lsp, en, pos(EN, "  by employee", delta=2))
    field = hover_text(lsp, en, pos(EN, "when receipts_complete", delta=6))
    assert "bool" in field


# ------------------------------------------------------------------ definition and references


def test_definition_and_references(lsp: Session, zh: str, en: str) -> None:
    found = lsp.run(lsp.client.text_document_definition_async(t.DefinitionParams(
        text_document=lsp.doc(zh), position=pos(ZH, "然后 主管审批", delta=4))))
    assert isinstance(found, t.Location)
    assert found.range.start == pos(ZH, "审批 主管审批", delta=3)
    refs = lsp.run(lsp.client.text_document_references_async(t.ReferenceParams(
        text_document=lsp.doc(zh), position=pos(ZH, "由 经理", delta=2),
        context=t.ReferenceContext(include_declaration=True))))
    assert refs is not None
    assert [r.range.start for r in refs] == [pos(ZH, "  经理 ", delta=2), pos(ZH, "升级 至 经理", delta=5),
                                             pos(ZH, "由 经理", delta=2)]
    # a field used in a condition, and a rule used for approvers, in English
    refs = lsp.run(lsp.client.text_document_references_async(t.ReferenceParams(
        text_document=lsp.doc(en), position=pos(EN, "amount: money"),
        context=t.ReferenceContext(include_declaration=False))))
    assert refs is not None and len(refs) == 4  # the rule's rows
    rule = lsp.run(lsp.client.text_document_definition_async(t.DefinitionParams(
        text_document=lsp.doc(en), position=pos(EN, "by rule approval_limits", delta=9))))
    assert isinstance(rule, t.Location) and rule.range.start == pos(EN, "rule approval_limits", delta=5)
    end = lsp.run(lsp.client.text_document_definition_async(t.DefinitionParams(
        text_document=lsp.doc(en), position=pos(EN, "-> end rejected", delta=8))))
    assert isinstance(end, t.Location) and end.range.start == pos(EN, "end rejected \"", delta=4)


# ------------------------------------------------------------------ rename


def apply(text: str, edits: list[t.TextEdit]) -> str:
    lines = text.split("\n")

    def offset(p: t.Position) -> int:
        line = lines[p.line]
        units, col = p.character, 0
        while units > 0:
            units -= 2 if ord(line[col]) > 0xFFFF else 1
            col += 1
        return sum(len(x) + 1 for x in lines[: p.line]) + col

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def rename(lsp: Session, uri: str, position: t.Position, name: str) -> t.WorkspaceEdit | None:
    return lsp.run(lsp.client.text_document_rename_async(t.RenameParams(
        text_document=lsp.doc(uri), position=position, new_name=name)))


def test_rename_updates_every_reference(lsp: Session, zh: str, en: str) -> None:
    prepared = lsp.run(lsp.client.text_document_prepare_rename_async(t.PrepareRenameParams(
        text_document=lsp.doc(zh), position=pos(ZH, "然后 主管审批", delta=5))))
    assert isinstance(prepared, t.PrepareRenamePlaceholder) and prepared.placeholder == "主管审批"
    edit = rename(lsp, zh, pos(ZH, "然后 主管审批", delta=5), "主管复核")
    assert edit is not None and edit.changes is not None
    renamed = apply(ZH, list(edit.changes[zh]))
    assert renamed == ZH.replace("然后 主管审批", "然后 主管复核").replace("审批 主管审批", "审批 主管复核")
    assert check_text("x.proc", renamed.encode()).ok
    edit = rename(lsp, zh, pos(ZH, "由 主管", delta=2), "组长")
    assert edit is not None and edit.changes is not None and len(edit.changes[zh]) == 2
    edit = rename(lsp, en, pos(EN, "when amount < 500", delta=6), "sum_due")
    assert edit is not None and edit.changes is not None
    new_en = apply(EN, list(edit.changes[en]))
    code = [line.split("#")[0] for line in new_en.splitlines()]
    assert not any("amount" in line for line in code) and sum(line.count("sum_due") for line in code) == 5
    assert check_text("x.proc", new_en.encode()).ok


@pytest.mark.parametrize("name, why", [("1号", "不是合法的名称"), ("由", "关键字"), ("经理审批", "已被使用"),
                                       ("a b", "不是合法的名称")])
def test_rename_refuses_bad_names(lsp: Session, zh: str, name: str, why: str) -> None:
    with pytest.raises(JsonRpcException) as refused:
        rename(lsp, zh, pos(ZH, "然后 主管审批", delta=5), name)
    assert why in str(refused.value) and "Traceback" not in str(refused.value)


def test_rename_refuses_where_there_is_no_name(lsp: Session, en: str) -> None:
    with pytest.raises(JsonRpcException) as refused:
        rename(lsp, en, pos(EN, "Expense reimbursement\""), "x")
    assert "no declared name" in str(refused.value)


# ------------------------------------------------------------------ formatting, outline, folding


def test_formatting_is_fmt(lsp: Session) -> None:
    messy = ZH.replace("  由 员工\n", "    由   员工\n", 1).replace("通过 -> 人事备案", "通过->人事备案")
    messy = messy.replace("  由 员工\n  输出", "  由 员工\n  输出")
    uri = lsp.open("messy.proc", messy.replace("    由   员工", "  由   员工"))
    text = messy.replace("    由   员工", "  由   员工")
    lsp.published(uri, 1)
    edits = lsp.run(lsp.client.text_document_formatting_async(t.DocumentFormattingParams(
        text_document=lsp.doc(uri), options=t.FormattingOptions(tab_size=2, insert_spaces=True))))
    assert edits is not None and len(edits) == 1
    assert apply(text, list(edits)) == format_text(text) == ZH
    clean = lsp.run(lsp.client.text_document_formatting_async(t.DocumentFormattingParams(
        text_document=lsp.doc(uri), options=t.FormattingOptions(tab_size=2, insert_spaces=True))))
    assert clean is not None


def test_document_symbols_and_folding(lsp: Session, zh: str, en: str) -> None:
    symbols = lsp.run(lsp.client.text_document_document_symbol_async(t.DocumentSymbolParams(
        text_document=lsp.doc(zh))))
    assert symbols is not None
    names = [s.name for s in symbols if isinstance(s, t.DocumentSymbol)]
    assert names == ["请假", "工作日历", "角色", "数据", "提交申请", "主管审批", "经理审批", "人事备案",
                     "已批准", "未批准"]
    roles = next(s for s in symbols if isinstance(s, t.DocumentSymbol) and s.name == "角色")
    assert [c.name for c in roles.children or []] == ["员工", "主管", "经理", "人事"]
    folds = lsp.run(lsp.client.text_document_folding_range_async(t.FoldingRangeParams(
        text_document=lsp.doc(zh))))
    assert folds is not None
    starts = [f.start_line for f in folds]
    assert pos(ZH, "审批 主管审批").line in starts and pos(ZH, "流程 请假").line in starts
    approval = next(f for f in folds if f.start_line == pos(ZH, "审批 主管审批").line)
    assert approval.end_line == pos(ZH, "退回 ->").line
    en_symbols = lsp.run(lsp.client.text_document_document_symbol_async(t.DocumentSymbolParams(
        text_document=lsp.doc(en))))
    assert en_symbols is not None and [s.name for s in en_symbols][:4] == [
        "expense_reimbursement", "office", "roles", "data"]


def test_no_traceback_reaches_the_client(lsp: Session, zh: str) -> None:
    far = t.Position(line=10_000, character=5)
    assert lsp.run(lsp.client.text_document_hover_async(t.HoverParams(
        text_document=lsp.doc(zh), position=far))) is None
    assert labels(lsp, zh, far) is not None
    assert not any("Traceback" in line for line in lsp.logs)


def test_a_failing_handler_logs_one_line_and_answers_empty() -> None:
    from procdsl.lsp.server import create_server

    server = create_server()
    logged: list[str] = []
    server.log = lambda message, kind=t.MessageType.Error: logged.append(message)  # type: ignore[method-assign]
    handler = server.protocol.fm.features[t.TEXT_DOCUMENT_DOCUMENT_SYMBOL]
    assert handler(object()) == []  # params without a text document: an AttributeError inside
    assert len(logged) == 1 and "AttributeError" in logged[0] and "Traceback" not in logged[0]


def test_server_module_runs_without_the_cli(tmp_path: Path) -> None:
    assert shutil.which(sys.executable)
    assert (ROOT / "src" / "procdsl" / "lsp" / "__main__.py").is_file()
