"""Shared fixtures: where the development data lives (skip cleanly without it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_root() -> Path:
    return Path(os.environ.get("STORYSIFT_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_root() / "data"
    if not path.is_dir():
        pytest.skip(f"development data not found at {path} (set STORYSIFT_SHARED)")
    return path


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    path = shared_root() / "seed"
    if not path.is_dir():
        pytest.skip(f"seed page not found at {path} (set STORYSIFT_SHARED)")
    return path
