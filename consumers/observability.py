"""The worker's ops endpoint, served from a daemon thread beside the Faust event loop.

- `/metrics`: the worker's registry in the Prometheus text format (OpenMetrics when asked);
- `/healthz`: 200 while the process is alive and this thread answers (liveness);
- `/readyz`: 200 when the readiness check passes (consumer assigned, broker reachable), else
  503. The check runs in this thread: it must only read state, never await the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from prometheus_client.exposition import choose_encoder

from .metrics import Metrics
from .settings import Settings

log = logging.getLogger(__name__)


class ObservabilityServer:
    def __init__(self, metrics: Metrics, port: int, host: str = "0.0.0.0") -> None:
        self.metrics = metrics
        self._server = ThreadingHTTPServer((host, port), _handler_for(metrics))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="observability", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "ObservabilityServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_metrics_server(settings: Settings, metrics: Metrics, ready: Callable[[], bool] | None = None,
                         host: str = "0.0.0.0") -> ObservabilityServer:
    """Serve /metrics, /healthz and /readyz on settings.metrics_port (0 picks a free port).

    Without `ready`, readiness means "a fresh consumer-lag sample exists": the lag sampler only
    reports partitions this consumer holds, using positions the broker just answered.
    Binds all interfaces by default: Prometheus and the kubelet reach it from outside the pod.
    """
    if ready is not None:
        metrics.set_readiness(ready)
    server = ObservabilityServer(metrics, settings.metrics_port, host).start()
    log.info("observability: /metrics /healthz /readyz on %s:%d", host, server.port)
    return server


def _handler_for(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = urlsplit(self.path).path
            if path == "/metrics":
                encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._reply(200, encoder(metrics.registry), content_type)
            elif path == "/healthz":
                self._reply(200, b"ok\n")
            elif path == "/readyz":
                ready = metrics.is_ready()
                self._reply(200 if ready else 503, b"ready\n" if ready else b"not ready\n")
            else:
                self._reply(404, b"not found: try /metrics, /healthz or /readyz\n")

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def _reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # scrapes and probes every few seconds would drown the worker's log

    return Handler
