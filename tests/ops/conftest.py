"""The ops tests reuse the real-Kafka fixtures of tests/integration (the same broker, started
by deploy/kafka/local-kafka.sh when none runs) without copying them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(INTEGRATION))  # kafka_helpers, page_factory

_spec = importlib.util.spec_from_file_location("integration_fixtures", INTEGRATION / "conftest.py")
_integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_integration)

kafka_bootstrap = _integration.kafka_bootstrap
