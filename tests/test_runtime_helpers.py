"""Helpers the runtime and codegen tests share: compile a fixture, import its module.

Also holds the test that a generated module imports cleanly in a fresh interpreter.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from procdsl.compiler import check_text
from procdsl.emitters.python import emit_python
from procdsl.model import Spec
from procdsl.runtime import Actor

ROOT_DIR = Path(__file__).resolve().parents[1]
FIXTURES = ROOT_DIR / "tests" / "fixtures"
RUNTIME_SPECS = ("registration_zh", "runtime_parallel", "runtime_choice", "runtime_foreach",
                 "runtime_interleaved", "runtime_approvals", "runtime_misc",
                 "runtime_vendor_check", "runtime_claim_zh", "runtime_any_order",
                 "runtime_org_zh", "runtime_org_en", "runtime_return_choice_zh",
                 "runtime_return_choice_en", "runtime_rule_route_zh", "runtime_rule_route_en")
_OUT = Path(tempfile.mkdtemp(prefix="procdsl_codegen_"))
atexit.register(shutil.rmtree, _OUT, True)


@functools.cache
def spec_of(name: str) -> Spec:
    """Return the checked model of tests/fixtures/NAME.proc (failing on errors)."""
    path = FIXTURES / f"{name}.proc"
    unit = check_text(f"tests/fixtures/{name}.proc", path.read_bytes(), fixture_processes())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    return unit.spec


@functools.cache
def fixture_processes() -> frozenset[str]:
    """Return the process names the fixtures declare (subprocesses may name them)."""
    found = re.findall(r"^process (\w+)", "\n".join(
        p.read_text("utf-8") for p in FIXTURES.glob("*.proc")), re.MULTILINE)
    return frozenset(found)


@functools.cache
def source_of(name: str) -> str:
    """Return the generated Python module of a fixture."""
    spec = spec_of(name)
    return emit_python(spec, lang=spec.lang)


def module_path(name: str) -> Path:
    """Return where the generated module of a fixture is written."""
    path = _OUT / f"gen_{name}.py"
    if not path.exists():
        path.write_text(source_of(name), encoding="utf-8")
    return path


@functools.cache
def module_of(name: str) -> ModuleType:
    """Return the generated module of a fixture, imported."""
    return import_path(module_path(name), f"gen_{name}")


@functools.cache
def module_for_spec(path: Path) -> ModuleType:
    """Return the generated module of any spec file (e.g. under specs/), imported."""
    shown = path.relative_to(ROOT_DIR).as_posix()
    unit = check_text(shown, path.read_bytes())
    assert unit.spec is not None, [str(d) for d in unit.diagnostics]
    index = len(list(_OUT.glob("spec_*.py")))
    target = _OUT / f"spec_{index}.py"
    target.write_text(emit_python(unit.spec, lang=unit.spec.lang), encoding="utf-8")
    return import_path(target, target.stem)


def import_path(path: Path, name: str) -> ModuleType:
    """Return the module at path, imported under name."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def workflow(name: str) -> Any:
    """Return the WORKFLOW of a fixture's generated module."""
    return module_of(name).WORKFLOW


def at(text: str, zone: str = "Asia/Shanghai") -> dt.datetime:
    """Return an aware datetime from 'YYYY-MM-DD HH:MM' in zone."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def who(actor_id: str, *roles: str) -> Actor:
    """Return an actor."""
    return Actor.of(actor_id, *roles)


def test_generated_module_imports_without_side_effects(tmp_path: Path) -> None:
    path = module_path("registration_zh")
    (tmp_path / "gen_registration_zh.py").write_text(path.read_text("utf-8"), "utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    code = ("import sys, gen_registration_zh as g; "
            "assert g.WORKFLOW.name == '新客户注册'; "
            "assert not [m for m in sys.modules if m.split('.')[0] in "
            "('lark', 'jinja2', 'click', 'graphviz')], 'compiler modules imported'")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-B", "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_generated_module_exposes_typed_tables() -> None:
    module = module_of("registration_zh")
    assert [s.value for s in module.Step][:3] == ["准备资料", "信息录入", "初审"]
    assert module.End.注册失败.value == "注册失败"
    assert module.Action.APPROVE.value == "approve"
    assert module.Data().风险等级 == "低"
