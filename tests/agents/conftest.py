"""Agent tests: the real Faust agent in `agent.test_context()` (memory channel, memory store),
with a publisher that records what would be sent instead of a broker."""

from __future__ import annotations

import pytest

from consumers.settings import Settings
from consumers.streaming import create_app

from agent_helpers import MemoryPublisher


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(batch_size=4, batch_seconds=0.02, data_dir=str(tmp_path), web_port=0, metrics_port=0)


@pytest.fixture
def publisher() -> MemoryPublisher:
    return MemoryPublisher()


@pytest.fixture
def streaming(settings, publisher):
    app = create_app(settings, publisher=publisher)
    app.app.finalize()
    app.app.flow_control.resume()
    return app
