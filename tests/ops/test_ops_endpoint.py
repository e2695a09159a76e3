"""The ops HTTP endpoint: /metrics, /healthz, /readyz on a real socket."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import replace

import pytest
from prometheus_client import CollectorRegistry

from consumers.metrics import Metrics
from consumers.observability import start_metrics_server
from consumers.settings import Settings


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def served():
    state = {"ready": False}
    metrics = Metrics(CollectorRegistry())
    server = start_metrics_server(replace(Settings(), metrics_port=0), metrics, ready=lambda: state["ready"],
                                  host="127.0.0.1")
    yield server, metrics, state
    server.close()


def test_metrics_health_and_readiness(served):
    server, metrics, state = served
    metrics.pages_consumed.inc(3)
    status, body = get(server.port, "/metrics")
    assert status == 200 and "storysift_pages_consumed_total 3.0" in body
    assert get(server.port, "/healthz")[0] == 200
    assert get(server.port, "/readyz")[0] == 503
    state["ready"] = True
    assert get(server.port, "/readyz") == (200, "ready\n")
    assert "storysift_worker_ready 1.0" in get(server.port, "/metrics")[1]
    assert get(server.port, "/nope")[0] == 404


def test_openmetrics_is_served_when_asked(served):
    server, _metrics, _state = served
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/metrics",
                                     headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("application/openmetrics-text")
        assert response.read().decode().rstrip().endswith("# EOF")
