"""Helpers for real-Kafka tests: unique topics per test, producing raw pages, reading every
outcome, running `storysift worker` as a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

import orjson
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from consumers.replay import page_for, producer_config
from consumers.settings import Settings
from consumers.streaming.topics import ensure_topics, topic_specs


def broker_reachable(bootstrap: str, timeout: float = 3.0) -> bool:
    host, port = bootstrap.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError:
        return False
    try:
        AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - anything but a working broker
        return False


def delete_topics_with_prefix(bootstrap: str, prefix: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    for future in (admin.delete_topics(names, operation_timeout=30).values() if names else []):
        try:
            future.result(30)
        except Exception:  # noqa: BLE001 - cleanup is best effort
            pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique_settings(bootstrap: str, tmp_path: Path, **overrides) -> Settings:
    run = uuid.uuid4().hex[:10]
    base = Settings(
        broker_url=f"kafka://{bootstrap}",
        raw_topic=f"it-{run}.pages.raw", clean_topic=f"it-{run}.articles.clean",
        rejections_topic=f"it-{run}.pages.rejected", dead_letter_topic=f"it-{run}.pages.deadletter",
        consumer_group=f"it-{run}", app_id=f"it-{run}", partitions=3,
        metrics_port=free_port(), web_port=0, data_dir=str(tmp_path / "worker-data"),
        batch_size=10, batch_seconds=0.05, session_timeout_seconds=6.0,
    )
    return replace(base, **overrides)


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYSIFT_")}
    for f in fields(settings):
        if f.name == "limits":
            continue
        value = getattr(settings, f.name)
        env[f"STORYSIFT_{f.name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def create_topics(settings: Settings) -> None:
    ensure_topics(settings, topic_specs(settings))


@dataclass(frozen=True)
class Produced:
    partition: int
    offset: int
    key: bytes | None
    trace_id: str


def produce(settings: Settings, records: list[bytes], producer: Producer | None = None) -> list[Produced]:
    """Publish like `storysift replay` does; returns where each record landed, in input order."""
    producer = producer or Producer(producer_config(settings))
    landed: dict[int, Produced] = {}
    errors: list[str] = []
    for index, record in enumerate(records):
        page = page_for(record, trace_id=f"trace-{index}-{uuid.uuid4().hex[:6]}")

        def delivered(error, message, index=index, page=page):
            if error is not None:
                errors.append(str(error))
            else:
                landed[index] = Produced(message.partition(), message.offset(), page.key, page.headers[0][1].decode())

        producer.produce(settings.raw_topic, page.value, page.key, headers=list(page.headers), on_delivery=delivered)
        producer.poll(0)
    assert producer.flush(60) == 0 and not errors, errors
    return [landed[i] for i in range(len(records))]


@dataclass(frozen=True)
class Output:
    topic: str
    key: bytes | None
    value: dict
    headers: dict[str, bytes]

    @property
    def source(self) -> tuple[int, int]:
        """(partition, offset) of the raw record this output came from."""
        _topic, partition, offset = self.headers["source"].decode().rsplit("/", 2)
        return int(partition), int(offset)


class OutcomeReader:
    """Reads the clean, rejections and dead-letter topics from the beginning."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.outputs: list[Output] = []
        self.consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers,
                                  "group.id": f"reader-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False})
        topics = [settings.clean_topic, settings.rejections_topic, settings.dead_letter_topic]
        deadline = time.monotonic() + 15
        while True:  # freshly created topics take a moment to show in metadata
            metadata = self.consumer.list_topics(timeout=10).topics
            if all(t in metadata and metadata[t].partitions for t in topics) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.consumer.assign([TopicPartition(t, p, 0) for t in topics for p in metadata[t].partitions])

    def poll(self, seconds: float = 0.5) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self.consumer.consume(500, timeout=0.2):
                if message.error():
                    if message.error().code() != KafkaError._PARTITION_EOF:
                        raise RuntimeError(str(message.error()))
                    continue
                self.outputs.append(Output(message.topic(), message.key(), orjson.loads(message.value()),
                                           {k: v for k, v in message.headers() or []}))

    def sources(self) -> set[tuple[int, int]]:
        return {o.source for o in self.outputs}

    def wait_until(self, condition: Callable[["OutcomeReader"], bool], timeout: float,
                   while_waiting: Callable[[], None] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll(0.5)
            if condition(self):
                return True
            if while_waiting is not None:
                while_waiting()
        return condition(self)

    def close(self) -> None:
        self.consumer.close()


class WorkerProcess:
    """`storysift worker` in a subprocess with the settings as STORYSIFT_* variables."""

    def __init__(self, settings: Settings, log_path: Path, **setting_overrides) -> None:
        self.settings = replace(settings, **setting_overrides)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "consumers.cli", "worker", "--loglevel", "INFO"],
            env=settings_env(self.settings), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def committed_offsets(settings: Settings) -> dict[int, int]:
    """The consumer group's committed offset per raw partition (absent: nothing committed)."""
    consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": settings.consumer_group,
                         "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(settings.raw_topic, timeout=10).topics[settings.raw_topic].partitions
        committed = consumer.committed([TopicPartition(settings.raw_topic, p) for p in partitions], timeout=10)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in committed if tp.offset >= 0}


def metrics_text(port: int) -> str:
    """A worker's /metrics page as served."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def scrape_metrics(settings: Settings) -> dict[str, float]:
    """The worker's /metrics as {'name{label="v"}': value} (sample names with their labels)."""
    from prometheus_client.parser import text_string_to_metric_families

    samples = {}
    for family in text_string_to_metric_families(metrics_text(settings.metrics_port)):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def wait_for_log(worker: "WorkerProcess", text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in worker.log_path.read_text(errors="replace"):
            return True
        if not worker.alive():
            return False
        time.sleep(0.2)
    return False


class PacedProducer:
    """Publishes records at a steady rate from a background thread, like a crawler fleet, so
    faults can happen while pages flow. `produced` is complete once `join()` returned."""

    def __init__(self, settings: Settings, records: list[bytes], per_second: float) -> None:
        import threading

        self.settings, self.records, self.per_second = settings, records, per_second
        self.produced: list[Produced] = []
        self._thread = threading.Thread(target=self._run, name="paced-producer", daemon=True)

    def start(self) -> "PacedProducer":
        self._thread.start()
        return self

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the producer did not finish in time"
        assert len(self.produced) == len(self.records), f"{len(self.produced)}/{len(self.records)} produced"

    def _run(self) -> None:
        chunk = max(int(self.per_second / 10), 1)  # ten chunks a second
        began = time.monotonic()
        producer = Producer(producer_config(self.settings))
        for start in range(0, len(self.records), chunk):
            self.produced += produce(self.settings, self.records[start:start + chunk], producer)
            pause = began + (start + chunk) / self.per_second - time.monotonic()
            if pause > 0:
                time.sleep(pause)
