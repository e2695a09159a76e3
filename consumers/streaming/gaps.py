"""Offsets Faust never handed to the agent, noticed and read back before anything is committed.

faust-streaming 0.15.3 can drop the first records of a partition while a worker starts (the
fetcher runs for table recovery before the stream partitions are sought to their committed
offsets), and its commit logic then accepts committing past the record it never delivered:
observed here as a permanently missing output (docs/streaming.md, "A Faust loss we guard
against"). So the agent does not trust the offsets it is given: at each assignment it reads the
group's committed offsets, and when a batch starts past the next expected offset of a
partition, the missing range is read directly with confluent-kafka and processed in the same
batch, before the batch is acked.

Faust's commits cannot be trusted either: its gap bookkeeping counts the first record after a
skipped range as done as soon as it is *delivered*, so it committed offsets of a batch still
being processed, and a worker that died in that batch lost them (seen in the poison-record test).
So the guard also says what may be committed: each completed batch is a claim on its offsets
until it is published, and `committable` never passes the first offset of an unsettled claim
(install_commit_guard puts that in place of Faust's own choice).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition

from ..kafka_config import confluent_config
from ..settings import Settings
from .topics import admin_client

log = logging.getLogger(__name__)

TopicPart = tuple[str, int]


@dataclass(frozen=True)
class RawMessage:
    topic: str
    partition: int
    offset: int
    timestamp: float | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class RawEvent:
    """A record read back directly: shaped like a Faust event for the batch processor."""

    value: bytes | None
    message: RawMessage


class OffsetSource(Protocol):
    def committed(self, partitions: Sequence[TopicPart]) -> dict[TopicPart, int | None]: ...
    def read(self, topic: str, partition: int, start: int, end: int) -> list[RawEvent]: ...
    def watermarks(self, topic: str, partition: int) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Claim:
    """A batch made whole by the guard. Until it is settled (published), nothing at or past the
    first offset it holds of a partition may be committed."""

    events: list[Any]
    first: dict[TopicPart, int]  # lowest offset per partition
    next: dict[TopicPart, int]  # one past the highest offset per partition
    generation: dict[TopicPart, int]  # of the partition's assignment when claimed


# A partition with records waiting and nothing delivered for this long is stalled (seen on
# faust-streaming 0.15.3: after an assignment a partition's records may never reach the agent).
STALL_SECONDS = 15.0


class OffsetGuard:
    """Tracks the next expected offset per raw partition, starting from the committed offset
    read at assignment (or, if the assignment signal comes late, at the partition's first batch).
    Thread-safe: called from worker threads because lookups and reads block."""

    def __init__(self, source: OffsetSource) -> None:
        self.source = source
        self.expected: dict[TopicPart, int] = {}
        self.known: set[TopicPart] = set()
        self.filled = 0
        self.redelivered = 0
        self.progress_at: dict[TopicPart, float] = {}
        self.done: dict[TopicPart, int] = {}  # every offset below was published (or committed before)
        self.generation: dict[TopicPart, int] = {}
        self._open: dict[int, Claim] = {}
        self._holds = 0
        self._held_since = 0.0
        self._lock = threading.RLock()  # claim() calls complete()

    def hold(self, now: float | None = None) -> None:
        """A batch is being processed: Faust cannot deliver meanwhile, so this time is not a stall
        (a publish blocked on an unavailable topic can take minutes)."""
        with self._lock:
            if self._holds == 0:
                self._held_since = time.monotonic() if now is None else now
            self._holds += 1

    def release(self, now: float | None = None) -> None:
        with self._lock:
            self._holds -= 1
            if self._holds == 0:
                held = (time.monotonic() if now is None else now) - self._held_since
                for tp in self.progress_at:
                    self.progress_at[tp] += held

    def on_assigned(self, partitions: Iterable[TopicPart]) -> None:
        partitions = list(partitions)
        committed = self.source.committed(partitions)
        with self._lock:
            for tp in partitions:
                self._start_at(tp, committed.get(tp))

    def on_revoked(self, partitions: Iterable[TopicPart]) -> None:
        with self._lock:
            for tp in partitions:
                self.expected.pop(tp, None)
                self.known.discard(tp)
                self.progress_at.pop(tp, None)
                self.done.pop(tp, None)
                self.generation[tp] = self.generation.get(tp, 0) + 1

    def stalled_reads(self, max_records: int, now: float | None = None) -> list[RawEvent]:
        """Records of assigned partitions that have waited STALL_SECONDS with nothing delivered,
        read back directly (at most `max_records` per partition). The caller processes them
        like a batch; Faust does not commit them, so a later redelivery is a duplicate, never a loss."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._holds:
                return []
            idle = [tp for tp in self.known if now - self.progress_at.get(tp, now) >= STALL_SECONDS]
        events: list[RawEvent] = []
        for topic, partition in idle:
            low, high = self.source.watermarks(topic, partition)
            with self._lock:
                start = self.expected.get((topic, partition), low)
            if start >= high:
                continue
            read = self.source.read(topic, partition, start, min(high, start + max_records))
            log.warning("%s/%d: records %d..%d waited %.0f s with nothing delivered by Faust; read %d back "
                        "directly", topic, partition, start, high - 1, STALL_SECONDS, len(read))
            self.filled += len(read)
            events.extend(read)
        return events

    def claim(self, events: Sequence[Any]) -> Claim:
        """`complete(events)`, held open until `settle` says its records are published."""
        with self._lock:
            whole = self.complete(events)
            first: dict[TopicPart, int] = {}
            after: dict[TopicPart, int] = {}
            for event in whole:
                tp = (event.message.topic, event.message.partition)
                first[tp] = min(first.get(tp, event.message.offset), event.message.offset)
                after[tp] = max(after.get(tp, 0), event.message.offset + 1)
            claim = Claim(whole, first, after, {tp: self.generation.get(tp, 0) for tp in first})
            self._open[id(claim)] = claim
            return claim

    def settle(self, claim: Claim) -> None:
        """The claim's records are published: their offsets may be committed."""
        with self._lock:
            self._open.pop(id(claim), None)
            for tp, after in claim.next.items():
                if tp in self.done and claim.generation[tp] == self.generation.get(tp, 0):
                    self.done[tp] = max(self.done[tp], after)

    def committable(self, tp: TopicPart) -> int | None:
        """The offset the group may commit for `tp`: below it every record was published."""
        with self._lock:
            done = self.done.get(tp)
            if done is None:
                return None
            generation = self.generation.get(tp, 0)
            pending = [c.first[tp] for c in self._open.values() if tp in c.first and c.generation[tp] == generation]
            return min([done, *pending]) if pending else done

    def complete(self, events: Sequence[Any]) -> list[Any]:
        """`events` with any skipped records of their partitions read back and put in front, and
        without records below the next expected offset: those were handed to the processor
        already since the assignment (or committed before it), so processing them again would
        only publish duplicates. The batch acks them all the same."""
        with self._lock:
            unknown = sorted({(e.message.topic, e.message.partition) for e in events} - self.known)
            if unknown:
                committed = self.source.committed(unknown)
                for tp in unknown:
                    self._start_at(tp, committed.get(tp))
            out: list[Any] = []
            now = time.monotonic()
            again = 0
            for event in events:
                message = event.message
                tp = (message.topic, message.partition)
                self.progress_at[tp] = now
                expected = self.expected.get(tp)
                if expected is not None and message.offset < expected:
                    again += 1  # handed to the processor already in this assignment (or committed)
                    continue
                if expected is not None and message.offset > expected:
                    missing = self.source.read(message.topic, message.partition, expected, message.offset)
                    log.warning("offsets %d..%d of %s/%d were not delivered by Faust; read %d back directly",
                                expected, message.offset - 1, tp[0], tp[1], len(missing))
                    self.filled += len(missing)
                    out.extend(missing)
                out.append(event)
                if expected is None or message.offset + 1 > expected:
                    self.expected[tp] = message.offset + 1
            if again:
                # Seen at startup: Faust delivers the first fetched records, seeks the stream
                # partitions to their committed offsets, then delivers the same records again.
                self.redelivered += again
                log.info("skipped %d records Faust delivered a second time", again)
            return out

    def _start_at(self, tp: TopicPart, committed: int | None) -> None:
        self.known.add(tp)
        self.generation[tp] = self.generation.get(tp, 0) + 1  # claims of an earlier assignment settle nothing
        self.progress_at[tp] = time.monotonic()
        if committed is None:
            # Nothing committed yet: the worker reads from the earliest record (auto offset reset),
            # so that is what the first batch must start at. Trusting whatever Faust delivers first
            # let its startup skip lose a partition's first records (seen in the rebalance test).
            committed = self.source.watermarks(*tp)[0]
        self.expected[tp] = committed
        self.done[tp] = committed


class KafkaOffsetSource:
    """Committed offsets from the admin API; record ranges from a group-less consumer."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._admin = admin_client(settings)
        self._consumer: Consumer | None = None

    def committed(self, partitions: Sequence[TopicPart]) -> dict[TopicPart, int | None]:
        if not partitions:
            return {}
        request = ConsumerGroupTopicPartitions(self.settings.consumer_group,
                                               [TopicPartition(t, p) for t, p in partitions])
        futures = self._admin.list_consumer_group_offsets([request], request_timeout=self.timeout)
        result = futures[self.settings.consumer_group].result(self.timeout)
        return {(tp.topic, tp.partition): tp.offset if tp.offset >= 0 else None for tp in result.topic_partitions}

    def read(self, topic: str, partition: int, start: int, end: int) -> list[RawEvent]:
        """Records at offsets start..end-1 (transaction markers take offsets but yield nothing)."""
        consumer = self._reader()
        consumer.assign([TopicPartition(topic, partition, start)])
        events: list[RawEvent] = []
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                for record in consumer.consume(500, timeout=0.5):
                    if record.error() or record.offset() >= end:
                        continue
                    _kind, timestamp_ms = record.timestamp()
                    events.append(RawEvent(record.value(), RawMessage(
                        topic, partition, record.offset(), timestamp_ms / 1000 if timestamp_ms > 0 else None,
                        tuple(record.headers() or ()))))
                position = consumer.position([TopicPartition(topic, partition)])[0].offset
                if position >= end:
                    return events
                if time.monotonic() > deadline:
                    raise TimeoutError(f"could not read {topic}/{partition} offsets {start}..{end - 1}")
        finally:
            consumer.unassign()

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        return self._reader().get_watermark_offsets(TopicPartition(topic, partition), timeout=self.timeout)

    def _reader(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer({**confluent_config(self.settings),
                                       "group.id": f"{self.settings.consumer_group}-gap-reader",
                                       "enable.auto.commit": False, "enable.partition.eof": False})
        return self._consumer
