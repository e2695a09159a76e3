"""`storysift tail`: print outcomes as they arrive on the clean, rejections and dead-letter topics.

Starts at the offsets for a point in time (default: now), so a run that notes its start time
before replaying sees exactly its own outcomes, whatever the topics held before.
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import TextIO

import orjson
from confluent_kafka import OFFSET_END, Consumer, KafkaError, KafkaException, TopicPartition

from .broker_access import require_broker_access
from .kafka_config import confluent_config
from .settings import Settings

_FIRST_WORDS = 18


def consumer_for(settings: Settings) -> Consumer:
    return Consumer({
        **confluent_config(settings),
        "group.id": f"storysift-tail-{uuid.uuid4().hex[:8]}",  # never commits: offsets are assigned
        "enable.auto.commit": False,
    })


def assign_since(consumer: Consumer, topics: list[str], since_ms: int, timeout: float = 10.0) -> None:
    partitions = []
    metadata = consumer.list_topics(timeout=timeout).topics
    for topic in topics:
        if topic in metadata:
            partitions += [TopicPartition(topic, p, since_ms) for p in metadata[topic].partitions]
    offsets = offsets_at(consumer, partitions, timeout) if partitions else []
    # A partition with nothing newer than since_ms answers -1: start at its end.
    consumer.assign([TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_END)
                     for tp in offsets])


def offsets_at(consumer: Consumer, partitions: list[TopicPartition], timeout: float) -> list[TopicPartition]:
    """offsets_for_times, retried while the broker answers with a retriable error (a broker just
    started answers UNKNOWN_LEADER_EPOCH for a few seconds)."""
    deadline = time.monotonic() + 3 * timeout
    while True:
        try:
            return consumer.offsets_for_times(partitions, timeout=timeout)
        except KafkaException as error:
            if not error.args[0].retriable() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def describe(topic: str, key: bytes | None, value: bytes | None) -> str:
    try:
        record = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return f"{topic}: unreadable value ({len(value or b'')} bytes)"
    key_text = key.decode("utf-8", "replace") if key else "-"
    kind = record.get("kind")
    if kind == "article":
        language = (record.get("language") or {}).get("code")
        topics = ", ".join(t.get("label", "?") for t in record.get("topics") or []) or "-"
        words = " ".join((record.get("text") or "").split()[:_FIRST_WORDS])
        return (f"ARTICLE  {record.get('title') or '(no title)'}\n"
                f"         language={language}  topics={topics}  key={key_text}\n"
                f"         {words} ...")
    if kind == "rejection":
        return f"REJECTED {record.get('reason')}: {record.get('url')}  key={key_text}  ({record.get('detail')})"
    if kind == "dead_letter":
        return f"DEAD     {record.get('error_kind')}: {record.get('error_message')}  key={key_text}"
    return f"{topic}: {kind or 'record'} key={key_text}"


def run_tail(settings: Settings, since_ms: int | None = None, limit: int = 0, seconds: float = 0,
             out: TextIO = sys.stdout) -> int:
    """Print outcomes until Ctrl-C, or until `limit` records / `seconds` (when given)."""
    require_broker_access(settings, "storysift tail")
    consumer = consumer_for(settings)
    topics = [settings.clean_topic, settings.rejections_topic, settings.dead_letter_topic]
    assign_since(consumer, topics, since_ms if since_ms is not None else int(time.time() * 1000))
    print(f"storysift tail: watching {', '.join(topics)} on {settings.bootstrap_servers}", file=sys.stderr,
          flush=True)
    seen, deadline = 0, time.monotonic() + seconds if seconds else None
    try:
        while (not limit or seen < limit) and (deadline is None or time.monotonic() < deadline):
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                if message.error().code() != KafkaError._PARTITION_EOF:
                    print(f"storysift tail: {message.error()}", file=sys.stderr, flush=True)
                continue
            print(describe(message.topic(), message.key(), message.value()), file=out, flush=True)
            seen += 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return 0
