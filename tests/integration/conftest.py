"""Real-Kafka tests. A session fixture makes sure the local broker runs: it starts it with
deploy/kafka/local-kafka.sh when nothing answers on KAFKA_PORT, and stops only what it started."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from kafka_helpers import broker_reachable, delete_topics_with_prefix, free_port, unique_settings

REPO = Path(__file__).resolve().parents[2]
# The broker control script (start|stop|status); overridable to test against another setup.
KAFKA_SCRIPT = Path(os.environ.get("STORYSIFT_KAFKA_SCRIPT", REPO / "deploy" / "kafka" / "local-kafka.sh"))


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    port = os.environ.get("KAFKA_PORT", "9092")
    bootstrap = f"127.0.0.1:{port}"
    started = False
    if not broker_reachable(bootstrap):
        if not KAFKA_SCRIPT.exists():
            pytest.fail(f"no broker on {bootstrap} and no {KAFKA_SCRIPT} to start one")
        began = time.monotonic()
        subprocess.run([str(KAFKA_SCRIPT), "start"], check=True, timeout=1800, stdin=subprocess.DEVNULL)
        print(f"\nkafka: started by the test session in {time.monotonic() - began:.1f}s")
        started = True
    yield bootstrap
    if started:
        print("kafka: stopping the broker this session started")
        subprocess.run([str(KAFKA_SCRIPT), "stop"], check=False, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture
def settings(kafka_bootstrap, tmp_path):
    """Settings with topics and a consumer group no other test uses; its topics (Faust's
    internal ones included) are deleted afterwards so the broker does not accumulate them."""
    settings = unique_settings(kafka_bootstrap, tmp_path)
    yield settings
    delete_topics_with_prefix(kafka_bootstrap, settings.consumer_group)


@pytest.fixture
def own_broker(tmp_path_factory):
    """A second, throwaway broker (own ports and data directory) for tests that stop and start
    a broker: restarting the session broker would disturb anyone else using it."""
    port, controller_port = free_port(), free_port()
    env = {**os.environ, "KAFKA_PORT": str(port), "KAFKA_CONTROLLER_PORT": str(controller_port),
           "STORYSIFT_KAFKA_DATA": str(tmp_path_factory.mktemp("own-broker")), "KAFKA_HEAP": "384m"}
    control = BrokerControl(KAFKA_SCRIPT, f"127.0.0.1:{port}", env)
    control.start_seconds = control.start()
    try:
        yield control
    finally:
        control.run("stop")


class BrokerControl:
    def __init__(self, script: Path, bootstrap: str, env: dict[str, str]) -> None:
        self.script, self.bootstrap, self.env = script, bootstrap, env
        self.start_seconds = 0.0

    def run(self, action: str) -> None:
        subprocess.run([str(self.script), action], check=True, timeout=600, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, env=self.env)

    def stop(self) -> None:
        self.run("stop")
        assert not broker_reachable(self.bootstrap, timeout=1.0), "broker still answers after stop"

    def start(self) -> float:
        began = time.monotonic()
        self.run("start")
        while not broker_reachable(self.bootstrap):
            assert time.monotonic() - began < 120, "broker did not come back"
            time.sleep(0.5)
        return time.monotonic() - began
