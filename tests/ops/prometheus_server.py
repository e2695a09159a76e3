"""A real Prometheus server (Debian's `prometheus` binary) on a free loopback port, for tests."""

from __future__ import annotations

import copy
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import orjson
import yaml

from ops_paths import ALERT_RULES, JOB, PROMETHEUS_CONFIG


def config_for(metrics_target: str, scrape_seconds: int = 1) -> dict:
    """deploy/prometheus/prometheus.yml with the worker job pointed at one target, scraping fast."""
    config = copy.deepcopy(yaml.safe_load(PROMETHEUS_CONFIG.read_text()))
    config["global"].update(scrape_interval=f"{scrape_seconds}s", evaluation_interval=f"{scrape_seconds}s")
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == JOB]
    for key in [k for k in job if k.endswith("_sd_configs")]:
        del job[key]
    job["static_configs"] = [{"targets": [metrics_target]}]
    config["scrape_configs"] = [job]
    config["rule_files"] = [str(ALERT_RULES)]
    return config


class PrometheusServer:
    def __init__(self, binary: str, workdir: Path, port: int, config: dict) -> None:
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / "prometheus.log"
        config_path = workdir / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config))
        self.command = [binary, f"--config.file={config_path}", f"--storage.tsdb.path={workdir / 'data'}",
                        f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
                        "--log.level=warn"]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "PrometheusServer":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"prometheus not ready after {timeout}s:\n{self.log_tail()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, **params: str) -> dict:
        """GET /api/v1/<path>; returns the whole response (status, data or errorType/error)."""
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as response:
                return orjson.loads(response.read())
        except urllib.error.HTTPError as error:  # 400/422: a bad query, with the reason in the body
            return orjson.loads(error.read())

    def query(self, expr: str) -> dict:
        return self.api("query", query=expr)

    def scalar(self, expr: str) -> float | None:
        result = self.query(expr)
        rows = result.get("data", {}).get("result", [])
        return float(rows[0]["value"][1]) if rows else None

    def wait_for(self, expr: str, accept, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.scalar(expr)
            if value is not None and accept(value):
                return value
            time.sleep(0.5)
        return value

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
