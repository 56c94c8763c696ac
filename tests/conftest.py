"""Shared test setup: the --update-golden flag and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files (.expected, generated/) from current output; "
                          "review the diff before committing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds remember what they wrote in XDG_CACHE_HOME: keep tests out of the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


# Tests that take more than about 5 s each (measured with --durations=30 on 2 cores). They
# run by default and in CI; `pytest -m "not slow"` leaves them out for a quick loop.
SLOW = frozenset({
    "test_properties.py::test_formatter_keeps_the_model_and_is_idempotent",
    "test_properties.py::test_code_imports_cleanly_dot_renders_and_all_three_agree",
    "test_properties.py::test_manual_tables_have_the_same_columns_in_every_row",
    "test_properties.py::test_ir_round_trips",
    "test_dot_writer.py::test_random_specs_give_the_graphviz_package_output",
    "test_dot_writer.py::test_clean_and_width_equal_unicodedata_for_every_code_point",
    "test_flow_graph_fast.py::test_random_specs_get_the_same_graphs",
    "test_manual_templates.py::test_the_inlined_step_template_gives_the_same_manual_as_the_included_one",
    "test_robustness.py::test_five_megabytes_of_noise_is_diagnosed_not_hung",
    "test_robustness.py::test_strings_generated_from_the_grammar",
    "test_formatter.py::test_respacing_a_spec_formats_back_to_the_same_model",
    "test_bench_smoke.py::test_smoke_prints_each_table",
    "test_fidelity.py::test_random_specs_too",
    "test_store_concurrency.py::test_eight_processes_conflicting",
    "test_store_concurrency.py::test_killed_workers_leave_a_consistent_store",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if f"{item.path.name}::{item.originalname}" in SLOW:  # type: ignore[attr-defined]
            item.add_marker(pytest.mark.slow)
