"""One batch of raw Kafka events -> outcomes -> published records. No Faust imports: the agent
hands in events (anything with `.value` and a Faust-like `.message`), so tests can too."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..metrics import Metrics
from ..pipeline import Pipeline, StageTimer
from ..pipeline.model import Failed, FailureKind, Outcome
from ..routing import OutgoingRecord, Source, route
from ..settings import Settings
from .dedup import Deduplicator
from .gaps import OffsetGuard
from .heartbeat import RecordWatch
from .publish import Publisher

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_MAX_TRACE_ID_CHARS = 128


@dataclass(frozen=True)
class Processed:
    outcome: Outcome
    source: Source
    records: tuple[OutgoingRecord, ...]


def header_items(headers: Any) -> list[tuple[str, bytes]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in items]


def trace_id_of(headers: Any) -> str | None:
    """`trace_id` as sent, else the trace-id field of a W3C `traceparent`; bounded, never raises."""
    found = dict((k.lower(), v) for k, v in header_items(headers))
    if (value := found.get("trace_id")) is not None:
        text = value.decode("utf-8", "replace").strip()
        return text[:_MAX_TRACE_ID_CHARS] or None
    if (value := found.get("traceparent")) is not None:
        match = _TRACEPARENT.match(value.decode("ascii", "replace").strip().lower())
        return match.group(1) if match else None
    return None


def source_of(message: Any) -> Source:
    timestamp = getattr(message, "timestamp", None)
    return Source(topic=message.topic, partition=message.partition, offset=message.offset,
                  timestamp_ms=int(timestamp * 1000) if timestamp else None,
                  trace_id=trace_id_of(getattr(message, "headers", None)))


class BatchProcessor:
    def __init__(self, settings: Settings, pipeline: Pipeline, dedup: Deduplicator, publisher: Publisher,
                 metrics: Metrics, guard: OffsetGuard | None = None, watch: RecordWatch | None = None) -> None:
        self.settings = settings
        self.guard = guard
        self.watch = watch or RecordWatch()
        self.pipeline = pipeline
        self.dedup = dedup
        self.publisher = publisher
        self.metrics = metrics

    async def handle(self, events: Sequence[Any]) -> list[Processed]:
        """Process and publish a batch; returns only once every output is acknowledged."""
        if self.guard is None:
            return await self._handle(events)
        self.guard.hold()
        try:
            # blocking lookups and reads: off the event loop
            claim = await asyncio.to_thread(self.guard.claim, events)
            processed = await self._handle(claim.events)
            self.guard.settle(claim)  # published: these offsets may be committed now
            return processed
        finally:
            self.guard.release()

    async def _handle(self, events: Sequence[Any]) -> list[Processed]:
        processed = []
        for event in events:
            processed.append(self.process_one(event.value, source_of(event.message)))
            # Pipeline work is CPU-bound: let timers and the producer run between pages.
            await asyncio.sleep(0)
        await self.publisher.publish([r for p in processed for r in p.records])
        now = time.time()
        for item in processed:
            sent_at = item.source.timestamp_ms
            self.metrics.observe_published(item.outcome, now - sent_at / 1000 if sent_at else None, item.source)
        return processed

    def process_one(self, raw: bytes | None, source: Source) -> Processed:
        raw = raw if isinstance(raw, bytes) else b""
        timer = StageTimer()
        poison = self.watch.poisoned(source.topic, source.partition, source.offset)
        if poison is not None:
            # The supervisor already dead-lettered it after it hung or crashed a worker: publishing
            # nothing lets the offset be committed without risking that again.
            failed = Failed(FailureKind(poison.reason), "already dead-lettered by the worker's supervisor")
            self.metrics.observe_outcome(failed, timer)
            return Processed(failed, source, ())
        self.watch.begin(source.partition, source.offset, raw)
        try:
            outcome = self.dedup.check(self.pipeline.process(raw, timer), source)
        finally:
            self.watch.end()
        self.metrics.observe_outcome(outcome, timer)
        return Processed(outcome, source, tuple(route(outcome, raw, source, self.settings)))
