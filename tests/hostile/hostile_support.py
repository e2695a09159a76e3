"""Helpers shared by the hostile-input tests (imported by name: tests/hostile is on sys.path)."""

from __future__ import annotations

# label -> [(seconds, case name)], printed in the terminal summary by tests/hostile/conftest.py.
TIMINGS: dict[str, list[tuple[float, str]]] = {}
SCHEMA_OF_KIND = {"article": "article", "rejection": "rejection", "dead_letter": "dead-letter"}


def outcome_of(record: dict) -> tuple[str, str]:
    """(kind, reason or error kind) of an output record."""
    return record["kind"], record.get("reason") or record.get("error_kind") or ""
