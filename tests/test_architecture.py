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
