"""The shape of the code (STYLE.md): one direction of flow, held by an AST scan."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "procdsl"
MODULES = sorted(p for p in SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Return the absolute names of every module a file imports (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{a.name}" for a in node.names)
    return found


def third_party(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names
            if n.split(".")[0] not in sys.stdlib_module_names and not n.startswith("procdsl")}


def in_group(path: Path, group: str) -> bool:
    return module_name(path) == group or module_name(path).startswith(group + ".")


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_import_rules(path: Path) -> None:
    names = imports(path)
    mod = module_name(path)
    procdsl = {n for n in names if n.startswith("procdsl.")}
    if in_group(path, "procdsl.runtime"):
        assert not third_party(names), "the runtime imports the standard library only"
        assert all(n.startswith(("procdsl.runtime", "procdsl.kinds")) for n in procdsl), procdsl
    if mod == "procdsl.kinds":
        assert not procdsl and not third_party(names), "kinds is standard library only"
    if mod in ("procdsl.source", "procdsl.diagnostics", "procdsl.model"):
        assert not third_party(names), f"{mod} must not depend on third-party packages"
    front_end = ("procdsl.parser", "procdsl.transform", "procdsl.prescan",
                 "procdsl.syntax_errors", "procdsl.resolve", "procdsl.compiler", "procdsl.cli",
                 "procdsl.build")
    if in_group(path, "procdsl.emitters"):
        bad = {n for n in procdsl if n.startswith(front_end) or n.startswith("procdsl.checks")}
        assert not bad, f"emitters read only the validated model, not {bad}"
    if in_group(path, "procdsl.checks"):
        bad = {n for n in procdsl if n.startswith(front_end) or n.startswith("procdsl.emitters")}
        assert not bad, f"checks read only the model, not {bad}"
    if mod != "procdsl.cli":
        assert "click" not in third_party(names), "only the CLI uses click"


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_no_eval_exec_print_or_exit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("eval", "exec"), f"{path.name}:{node.lineno} uses {node.func.id}"
            if module_name(path) != "procdsl.cli":
                assert node.func.id != "print", f"{path.name}:{node.lineno}: only the CLI prints"
        if isinstance(node, ast.Attribute) and node.attr == "exit" and \
                isinstance(node.value, ast.Name) and node.value.id == "sys":
            assert module_name(path) in ("procdsl.cli",), f"{path.name}: only the CLI exits"


def _graph() -> dict[str, set[str]]:
    """Return procdsl's module import graph: every import, wherever it is written
    (top level, inside a function or under TYPE_CHECKING alike)."""
    names = {module_name(p): p for p in MODULES}
    return {mod: {n for n in imports(path) if n in names and n != mod}
            for mod, path in names.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _is_package_reexport(comp: list[str]) -> bool:
    """A package's __init__ re-exporting one child is not a design cycle."""
    return len(comp) == 2 and (comp[1].startswith(comp[0] + ".") or comp[0].startswith(comp[1] + "."))


def test_no_import_cycle_anywhere() -> None:
    cycles = [c for c in _cycles(_graph()) if not _is_package_reexport(c)]
    assert not cycles, f"import cycles: {cycles}"


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_model_imports_only_source_diagnostics_and_kinds() -> None:
    path = SRC / "model.py"
    procdsl = {n.split(".")[1] for n in imports(path) if n.startswith("procdsl.")}
    assert procdsl <= {"source", "diagnostics", "kinds"}, procdsl
    assert not third_party(imports(path))


def _foreign_private_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Return (line, target) of each assignment to an underscore attribute of anything
    other than self or cls (another module's or another object's private field)."""
    bad: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = list(node.targets)
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and sub.attr.startswith("_") \
                        and not sub.attr.startswith("__") \
                        and not (isinstance(sub.value, ast.Name) and sub.value.id in ("self", "cls")):
                    bad.append((sub.lineno, ast.unparse(sub)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "setattr" and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
                and node.args[1].value.startswith("_") and not node.args[1].value.startswith("__"):
            bad.append((node.lineno, ast.unparse(node)))
    return bad


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_no_module_writes_anothers_private_fields(path: Path) -> None:
    bad = _foreign_private_writes(ast.parse(path.read_text(encoding="utf-8")))
    assert not bad, f"{path.name} writes private fields it does not own: {bad}"


def test_private_write_finder_sees_one() -> None:
    tree = ast.parse("case._log = []\nself._ok = 1\nobj.__dict__ = {}\nsetattr(case, '_x', 1)\n")
    assert [line for line, _ in _foreign_private_writes(tree)] == [1, 4]


def test_no_private_library_internals_or_collector_tricks() -> None:
    forbidden = ("_parse_table", "_mres", "getrefcount", "object.__new__", "gc.disable",
                 "_init_fn", "_DataclassParams")
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in text, f"{path.name} uses {word}"
