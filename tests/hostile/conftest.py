"""Shared by the hostile-input tests: the corpus (built once) and a timing report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Case, cases  # noqa: E402
from hostile_support import SCHEMA_OF_KIND, TIMINGS  # noqa: E402

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@pytest.fixture(scope="session")
def validators() -> dict[str, Draft202012Validator]:
    return {kind: Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))
            for kind, name in SCHEMA_OF_KIND.items()}


@pytest.fixture(scope="session")
def corpus() -> list[tuple[Case, bytes]]:
    return [(case, case.build()) for case in cases()]


def pytest_terminal_summary(terminalreporter) -> None:
    for label, timings in TIMINGS.items():
        if not timings:
            continue
        slowest = sorted(timings, reverse=True)[:5]
        terminalreporter.write_line(
            f"hostile corpus, {label}: {len(timings)} timed, slowest: "
            + ", ".join(f"{name} {seconds:.3f}s" for seconds, name in slowest))
