"""Exact-duplicate detection: article_id -> the record that last published that article.

Semantics (docs/streaming.md, "Dedup"):
- A record is a duplicate when an *earlier* record published the same content (same
  content_hash) under the same article id, within `dedup_ttl_seconds` of record time. It is
  routed as `Rejected(reason=DUPLICATE)` instead of being published again.
- "Earlier" means a lower offset in the same topic partition (or, across partitions, an older
  record timestamp). An entry written by the record itself or by a later offset is ignored: that
  is what a redelivery after a crash looks like, and a redelivered record must produce the same
  output it produced the first time (downstream dedups by key), never turn into a duplicate.
- The window is measured in record timestamps, not wall-clock time, so a replay decides the same.
- Changed content (a new hash) is published and becomes the new entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from ..pipeline.assemble import distinct_chars
from ..pipeline.model import Article, Outcome, Rejected, RejectReason
from ..routing import Source


@dataclass(frozen=True)
class DedupEntry:
    content_hash: str
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None

    def to_bytes(self) -> bytes:
        encoded = orjson.dumps({"h": self.content_hash, "t": self.topic, "p": self.partition,
                                "o": self.offset, "ts": self.timestamp_ms})
        # An exact-size copy: orjson 3.13 leaves each result in a ~4 KB allocation, and the table
        # keeps one per article for the whole dedup window (measured: 4.1 KB vs 0.1 KB per value).
        return bytes(memoryview(encoded))

    @classmethod
    def from_bytes(cls, raw: bytes) -> "DedupEntry | None":
        try:
            obj = orjson.loads(raw)
            return cls(str(obj["h"]), str(obj["t"]), int(obj["p"]), int(obj["o"]), obj.get("ts"))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None  # an unreadable entry only costs one missed duplicate

    @classmethod
    def of(cls, article: Article, source: Source) -> "DedupEntry":
        return cls(article.content_hash, source.topic, source.partition, source.offset, source.timestamp_ms)

    def precedes(self, source: Source) -> bool:
        """True when this entry was written by a record strictly before `source`."""
        if (self.topic, self.partition) == (source.topic, source.partition):
            return self.offset < source.offset
        if self.timestamp_ms is None or source.timestamp_ms is None:
            return False
        return self.timestamp_ms <= source.timestamp_ms

    def expired_at(self, timestamp_ms: int | None, ttl_seconds: float) -> bool:
        if self.timestamp_ms is None or timestamp_ms is None:
            return False
        return timestamp_ms - self.timestamp_ms > ttl_seconds * 1000


def dedup_decision(outcome: Outcome, previous: DedupEntry | None, source: Source,
                   ttl_seconds: float) -> Outcome:
    """The outcome to route: `outcome` itself, or a DUPLICATE rejection of it. Pure."""
    if not isinstance(outcome, Article) or previous is None:
        return outcome
    if previous.content_hash != outcome.content_hash or not previous.precedes(source):
        return outcome
    if previous.expired_at(source.timestamp_ms, ttl_seconds):
        return outcome
    story = outcome.story
    return Rejected(
        reason=RejectReason.DUPLICATE,
        detail=f"same content as {previous.topic}/{previous.partition}/{previous.offset}",
        url=outcome.url,
        record_id=outcome.record_id,
        article_id=outcome.article_id,
        paragraph_count=len(outcome.paragraphs),
        story_paragraph_count=len(story),
        story_chars=distinct_chars(story),
        content_hash=outcome.content_hash,
    )


class DedupStore(Protocol):
    """Where entries live; `partition` is the changelog partition of a write (the raw record's)."""

    def get(self, key: bytes) -> bytes | None: ...
    def put(self, key: bytes, value: bytes, partition: int) -> None: ...
    def delete(self, key: bytes, partition: int) -> None: ...
    def items(self) -> list[tuple[bytes, bytes]]: ...


class DictStore:
    """An in-process store (tests, and anything without a changelog)."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def put(self, key: bytes, value: bytes, partition: int) -> None:
        self.data[key] = value

    def delete(self, key: bytes, partition: int) -> None:
        self.data.pop(key, None)

    def items(self) -> list[tuple[bytes, bytes]]:
        return list(self.data.items())


class Deduplicator:
    """Applies `dedup_decision` against a store (a Faust table in the worker)."""

    def __init__(self, store: DedupStore, ttl_seconds: float) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds

    def check(self, outcome: Outcome, source: Source) -> Outcome:
        if not isinstance(outcome, Article):
            return outcome
        key = outcome.article_id.encode()  # bytes both when written and when recovered
        raw = self.store.get(key)
        previous = DedupEntry.from_bytes(raw) if raw is not None else None
        decided = dedup_decision(outcome, previous, source, self.ttl_seconds)
        entry = DedupEntry.of(outcome, source)
        if decided is outcome and previous != entry:
            self.store.put(key, entry.to_bytes(), source.partition)
        return decided

    def purge(self, now_ms: int) -> int:
        """Drop entries older than the window (keeps the table bounded); returns how many."""
        dropped = 0
        for key, raw in self.store.items():
            entry = DedupEntry.from_bytes(raw)
            if entry is None or entry.expired_at(now_ms, self.ttl_seconds):
                self.store.delete(key, entry.partition if entry else 0)
                dropped += 1
        return dropped


class TableStore:
    """A Faust table as a DedupStore. Writes name their changelog partition explicitly (the raw
    record's partition, so the table stays co-partitioned with the raw topic) instead of relying
    on Faust's current-event context, which a batch of events does not have."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def get(self, key: bytes) -> bytes | None:
        return self.table.data.get(key)

    def put(self, key: bytes, value: bytes, partition: int) -> None:
        self.table.send_changelog(partition, key, value)
        self.table.data[key] = value

    def delete(self, key: bytes, partition: int) -> None:
        self.table.send_changelog(partition, key, None, value_serializer="raw")
        self.table.data.pop(key, None)

    def items(self) -> list[tuple[bytes, bytes]]:
        return list(self.table.data.items())
