"""`storysift replay FILE...`: publish raw-page records to the raw topic, as a crawler would.

JSONL files (.jsonl/.ndjson, optionally .gz) are published line by line, unchanged; .html/.htm
and .txt files (optionally .gz) are wrapped into one raw-page record each. Records are keyed by
the article id derived from their URL and partitioned with murmur2 (the Java client's and
aiokafka's partitioner), so one article always lands on the same partition and the worker's
dedup table stays co-partitioned with the raw topic. Each record carries a fresh `trace_id`
header. A progress bar goes to stderr; the exit status is non-zero if any record was not
acknowledged by the broker.
"""

from __future__ import annotations

import gzip
import re
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

import orjson
from confluent_kafka import KafkaError, Message, Producer

from .pipeline.ids import article_id
from .broker_access import require_broker_access
from .kafka_config import confluent_config
from .settings import Settings
from .streaming.topics import MAX_MESSAGE_BYTES, TopicSpec, ensure_topics

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_TEXT_SUFFIXES = (".txt", ".text")
_CANONICAL = re.compile(rb"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>""", re.I)
_HREF = re.compile(rb"""\bhref\s*=\s*["']([^"']+)["']""", re.I)


@dataclass(frozen=True)
class OutgoingPage:
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


@dataclass
class ReplayResult:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    first_error: str | None = None


def producer_config(settings: Settings) -> dict:
    return {
        **confluent_config(settings),
        "partitioner": "murmur2_random",  # same partition per key as Java clients and aiokafka
        "enable.idempotence": True,
        "linger.ms": 20,
        "message.max.bytes": MAX_MESSAGE_BYTES,
    }


def key_for(record: bytes) -> bytes | None:
    """The URL-derived article id of a raw record, or None when it has no readable URL."""
    try:
        obj = orjson.loads(record)
    except orjson.JSONDecodeError:
        return None
    url = obj.get("url") if isinstance(obj, dict) else None
    return article_id(url).encode() if isinstance(url, str) and url.strip() else None


def page_for(record: bytes, trace_id: str | None = None) -> OutgoingPage:
    return OutgoingPage(key_for(record), record, (("trace_id", (trace_id or uuid.uuid4().hex).encode()),))


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def kind_of(path: Path) -> str:
    suffix = Path(path.stem).suffix.lower() if path.suffix == ".gz" else path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _HTML_SUFFIXES:
        return "html"
    if suffix in _TEXT_SUFFIXES:
        return "text"
    raise ValueError(f"{path}: unsupported file type (expected .jsonl, .html or .txt, optionally .gz)")


def url_for(path: Path, data: bytes, kind: str, base_url: str | None) -> str:
    """The page's own canonical URL when it names one, else base_url + file name, else file://."""
    if kind == "html" and (link := _CANONICAL.search(data[:200_000])):
        if (href := _HREF.search(link.group(0))) and re.match(rb"^https?://", href.group(1)):
            return href.group(1).decode("utf-8", "replace")
    if base_url:
        return base_url.rstrip("/") + "/" + path.name
    return path.resolve().as_uri()


def wrap_file(path: Path, base_url: str | None = None) -> bytes:
    """One raw-page record (schema_version 1) for an .html or .txt file."""
    data = read_bytes(path)
    kind = kind_of(path)
    record: dict = {"schema_version": 1, "id": path.name, "url": url_for(path, data, kind, base_url),
                    "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "http_status": 200,
                    "content_type": "text/html" if kind == "html" else "text/plain; charset=utf-8"}
    try:
        record["html" if kind == "html" else "text"] = data.decode("utf-8")
    except UnicodeDecodeError:  # original bytes; the worker detects the charset
        import base64

        record["body_base64"] = base64.b64encode(data).decode("ascii")
    return orjson.dumps(record)


def records_in(paths: list[Path], base_url: str | None = None) -> Iterator[bytes]:
    for path in paths:
        if kind_of(path) == "jsonl":
            for line in read_bytes(path).splitlines():
                if line.strip():
                    yield line.strip()
        else:
            yield wrap_file(path, base_url)


def count_records(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        total += sum(1 for line in read_bytes(path).splitlines() if line.strip()) if kind_of(path) == "jsonl" else 1
    return total


class ProgressBar:
    """A one-line bar on a terminal; a line every 10% otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO, enabled: bool = True, width: int = 30) -> None:
        self.total, self.stream, self.enabled, self.width = max(total, 1), stream, enabled, width
        self.tty = enabled and stream.isatty()
        self.started = time.monotonic()
        self._last_decile = -1

    def update(self, result: ReplayResult) -> None:
        if not self.enabled:
            return
        done = result.delivered + result.failed
        fraction = min(done / self.total, 1.0)
        rate = done / max(time.monotonic() - self.started, 1e-6)
        text = (f"replay [{'#' * int(fraction * self.width):<{self.width}}] {done}/{self.total} acked"
                f"{f', {result.failed} failed' if result.failed else ''}, {rate:.0f}/s")
        if self.tty:
            self.stream.write("\r" + text)
            self.stream.flush()
        elif (decile := int(fraction * 10)) > self._last_decile:
            self._last_decile = decile
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def replay(settings: Settings, paths: list[Path], topic: str | None = None, base_url: str | None = None,
           progress: bool = True, producer: Producer | None = None) -> ReplayResult:
    topic = topic or settings.raw_topic
    producer = producer or Producer(producer_config(settings))
    result = ReplayResult()
    bar = ProgressBar(count_records(paths), sys.stderr, enabled=progress)

    def on_delivery(error: KafkaError | None, _message: Message) -> None:
        if error is None:
            result.delivered += 1
        else:
            result.failed += 1
            result.first_error = result.first_error or str(error)
        bar.update(result)

    for record in records_in(paths, base_url):
        page = page_for(record)
        while True:
            try:
                producer.produce(topic, page.value, page.key, headers=list(page.headers), on_delivery=on_delivery)
                break
            except BufferError:  # local queue full: let deliveries drain
                producer.poll(0.5)
        result.sent += 1
        producer.poll(0)
    remaining = producer.flush(60)
    result.failed += remaining
    bar.close()
    return result


def run_replay(settings: Settings, files: list[str], topic: str | None, base_url: str | None,
               progress: bool) -> int:
    paths = [Path(f) for f in files]
    for path in paths:
        kind_of(path)  # fail early on an unsupported file
    target = topic or settings.raw_topic
    require_broker_access(settings, "storysift replay")
    # Create the topic with the configured partitions rather than let the broker auto-create it.
    ensure_topics(settings, [TopicSpec(target, settings.partitions, settings.replication_factor,
                                       {"max.message.bytes": str(MAX_MESSAGE_BYTES)})])
    result = replay(settings, paths, target, base_url, progress)
    print(f"storysift replay: {result.delivered} of {result.sent} records acknowledged on "
          f"{topic or settings.raw_topic}" + (f"; {result.failed} failed: {result.first_error}" if result.failed else ""),
          file=sys.stderr)
    return 0 if result.failed == 0 and result.delivered == result.sent else 1
