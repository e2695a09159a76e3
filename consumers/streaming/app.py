"""The Faust app factory: everything is built from one `Settings`, nothing at import time."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

import faust
from aiokafka.errors import MessageSizeTooLargeError, RecordTooLargeError

from ..kafka_config import faust_credentials
from ..malloc_policy import TRIM_INTERVAL_SECONDS, trim_heap
from ..metrics import Metrics
from ..pipeline import Pipeline
from ..pipeline.model import Failed
from ..routing import OutgoingRecord, Source, route
from ..settings import Settings
from .dedup import Deduplicator, TableStore
from .gaps import STALL_SECONDS, OffsetGuard
from .heartbeat import RecordWatch
from .lag import sample_lag
from .processor import BatchProcessor
from .publish import AckingPublisher, Publisher, too_large_stub
from .topics import MAX_MESSAGE_BYTES, compacted_spec, ensure_topics

log = logging.getLogger(__name__)

LAG_SAMPLE_SECONDS = 5.0
COMMIT_INTERVAL_SECONDS = 0.5
# Exit code when a batch could not be confirmed: the process dies *before* Faust could ack
# and commit it, so the next worker re-reads the batch (at-least-once beats a clean exit).
EXIT_UNCONFIRMED_BATCH = 70


@dataclass(frozen=True)
class StreamingApp:
    app: faust.App
    agent: Any
    table: Any
    processor: BatchProcessor
    settings: Settings
    metrics: Metrics


def create_app(settings: Settings, metrics: Metrics | None = None, pipeline: Pipeline | None = None,
               publisher: Publisher | None = None, offset_guard: OffsetGuard | None = None,
               watch: RecordWatch | None = None) -> StreamingApp:
    """`offset_guard` (the worker passes one) reads back records Faust skipped; see gaps.py."""
    metrics = metrics or Metrics()
    # Faust creates only the last path component; a fresh machine has none of the parents.
    os.makedirs(settings.data_dir, exist_ok=True)
    app = faust.App(settings.consumer_group, **app_config(settings))
    table = app.Table(
        "dedup", default=None, key_type=bytes, value_type=bytes,  # bytes types -> raw serializers
        partitions=settings.partitions,
        help="article_id -> content hash and source of the last published version",
    )
    dedup = Deduplicator(TableStore(table), settings.dedup_ttl_seconds)
    processor = BatchProcessor(settings, pipeline or Pipeline(settings.limits), dedup,
                               publisher or faust_publisher(app, settings, metrics), metrics, offset_guard, watch)
    raw_topic = app.topic(settings.raw_topic, key_type=bytes, value_type=bytes,
                          key_serializer="raw", value_serializer="raw")

    # concurrency=1: Faust can commit past in-flight events with more (faust-streaming #606).
    @app.agent(raw_topic, name="pages", concurrency=1)
    async def process_pages(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            try:
                await processor.handle(events)
            except BaseException:
                # take_events acks the batch even when the body raises; never let that commit.
                log.critical("batch of %d records not confirmed; exiting without committing", len(events),
                             exc_info=True)
                os._exit(EXIT_UNCONFIRMED_BATCH)

    if offset_guard is not None:
        guard_assignments(app, settings.raw_topic, offset_guard)

        @app.timer(interval=STALL_CHECK_SECONDS)
        async def read_back_stalled_partitions() -> None:
            events = await asyncio.to_thread(offset_guard.stalled_reads, settings.batch_size)
            if events:
                await processor.handle(events)

    @app.on_before_shutdown.connect
    async def commit_before_leaving(_app: Any, **_kwargs: Any) -> None:
        # The streams are drained by now (Faust waits for every delivered event to be acked):
        # commit them, so a graceful stop leaves nothing for the next owner to redo.
        try:
            committed = await app.consumer.commit()
            log.info("final commit before shutdown: %s", "done" if committed else "nothing to commit")
        except Exception:  # noqa: BLE001 - the interval commit is the fallback; never block the exit
            log.warning("final commit before shutdown failed", exc_info=True)

    @app.timer(interval=LAG_SAMPLE_SECONDS)
    async def sample_consumer_lag() -> None:
        await sample_lag(app.consumer, settings.raw_topic, metrics)

    @app.timer(interval=TRIM_INTERVAL_SECONDS)
    async def give_freed_memory_back() -> None:
        trim_heap()  # pages are large strings: freed ones otherwise stay resident (malloc_policy.py)

    @app.timer(interval=purge_interval(settings.dedup_ttl_seconds))
    async def purge_dedup_table() -> None:
        dropped = dedup.purge(int(time.time() * 1000))
        if dropped:
            log.info("dedup: purged %d entries older than %ss", dropped, settings.dedup_ttl_seconds)

    return StreamingApp(app, process_pages, table, processor, settings, metrics)


STALL_CHECK_SECONDS = STALL_SECONDS / 3


def guard_assignments(app: faust.App, raw_topic: str, guard: OffsetGuard) -> None:
    def raw_partitions(tps: Any) -> list[tuple[str, int]]:
        return [(tp.topic, tp.partition) for tp in tps if tp.topic == raw_topic]

    @app.on_partitions_assigned.connect
    async def read_committed_offsets(_app: Any, assigned: Any, **_kwargs: Any) -> None:
        install_commit_guard(app.consumer, raw_topic, guard)  # before anything can be committed
        await asyncio.to_thread(guard.on_assigned, raw_partitions(assigned))

    @app.on_partitions_revoked.connect
    async def forget_offsets(_app: Any, revoked: Any, **_kwargs: Any) -> None:
        guard.on_revoked(raw_partitions(revoked))


def install_commit_guard(consumer: Any, raw_topic: str, guard: OffsetGuard) -> None:
    """Raw-topic offsets to commit come from the guard, not from Faust's acks (see gaps.py):
    Faust would commit past a batch still being processed. Other topics keep Faust's choice."""
    if getattr(consumer, "_storysift_commit_guard", False):
        return
    faust_choice = consumer._filter_committable_offsets

    def committable_offsets(tps: Any) -> dict[Any, int]:
        tps = set(tps)
        offsets = faust_choice([tp for tp in tps if tp.topic != raw_topic])
        raw_tps = {tp for tp in tps | consumer.assignment() if tp.topic == raw_topic}
        for tp in raw_tps:
            offset = guard.committable((tp.topic, tp.partition))
            if offset is None:
                continue
            forget_acks_below(consumer, tp, offset)
            if consumer._should_commit(tp, offset):
                offsets[tp] = offset
        return offsets

    consumer._filter_committable_offsets = committable_offsets
    consumer._storysift_commit_guard = True


def forget_acks_below(consumer: Any, tp: Any, offset: int) -> None:
    """Faust's own ack bookkeeping for `tp` is no longer consulted: keep it from growing."""
    acked = consumer._acked.get(tp)
    if acked:
        kept = [o for o in acked if o >= offset]
        consumer._acked_index[tp].difference_update(o for o in acked if o < offset)
        acked[:] = kept
    gaps = consumer._gap.get(tp)
    if gaps:
        gaps.chop(0, offset)


def app_config(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        broker=settings.broker_url,
        store="memory://",
        datadir=settings.data_dir,
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
        producer_max_request_size=MAX_MESSAGE_BYTES,
        producer_acks=-1,
        # Records processed since the last commit are processed again by whoever gets the
        # partition next (Faust commits neither on revocation nor on shutdown): commit often.
        broker_commit_interval=COMMIT_INTERVAL_SECONDS,
        # aiokafka's own bound per send (Faust's default is 20 minutes); publish.py bounds it too.
        producer_request_timeout=settings.publish_timeout_seconds,
        # Back-pressure: Faust's default buffer (4096 records) holds about 1 GB of crawled pages
        # (230 KB on average); one batch ahead is all the agent needs, and each buffered batch
        # costs a worker about 23 MB of resident memory (issue #7: at most 300 MB per worker).
        stream_buffer_maxsize=max(2 * settings.batch_size, 64),
        web_enabled=settings.web_port > 0,
        web_port=settings.web_port or 6066,
        web_host="127.0.0.1",
    )
    credentials = faust_credentials(settings)  # None for PLAINTEXT (consumers/kafka_config.py)
    if credentials is not None:
        config["broker_credentials"] = credentials
    return config


def purge_interval(ttl_seconds: float) -> float:
    """A tenth of the window, between one minute and one hour."""
    return min(max(ttl_seconds / 10, 60.0), 3600.0)


def faust_publisher(app: faust.App, settings: Settings, metrics: Metrics) -> AckingPublisher:
    known_topics = {settings.clean_topic, settings.rejections_topic, settings.dead_letter_topic}

    async def send(record: OutgoingRecord) -> Any:
        if record.topic not in known_topics:  # a per-language topic: create it with our settings
            await asyncio.to_thread(ensure_topics, settings, [compacted_spec(settings, record.topic)])
            known_topics.add(record.topic)
        return await app.producer.send(record.topic, record.key, record.value, partition=None,
                                       timestamp=None, headers=list(record.headers))

    def route_failure(failed: Failed) -> list[OutgoingRecord]:
        return route(failed, b"", Source(settings.dead_letter_topic, -1, -1), settings)

    def stub(record: OutgoingRecord, error: str) -> OutgoingRecord:
        return too_large_stub(record, error, settings.dead_letter_topic, route_failure)

    def is_permanent(error: BaseException) -> bool:
        cause = error.__cause__ or error
        return isinstance(cause, (MessageSizeTooLargeError, RecordTooLargeError))

    return AckingPublisher(send, stub, is_permanent, attempt_seconds=settings.publish_timeout_seconds,
                           observer=metrics)
