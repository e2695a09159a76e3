"""Outcome -> the Kafka records to publish (topic, key, value, headers). Pure: no client here.

Keys: articles by `article_id` (stable across re-crawls, so the clean topic can be compacted);
rejections by article id or record id; dead letters by record id when readable.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from .pipeline.model import Article, Failed, Outcome, Rejected
from .pipeline.records import SCHEMA_VERSION, outcome_record
from .settings import Settings


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Source:
    """Where a raw record came from; trace_id is passed through from the raw record's headers."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None
    trace_id: str | None = None

    def as_dict(self) -> dict:
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset,
                "timestamp_ms": self.timestamp_ms}


def route(outcome: Outcome, original: bytes, source: Source, settings: Settings) -> list[OutgoingRecord]:
    value = orjson.dumps(outcome_record(outcome, original, source.as_dict()))
    headers = [("schema_version", str(SCHEMA_VERSION).encode()),
               ("source", f"{source.topic}/{source.partition}/{source.offset}".encode())]
    if source.trace_id:
        headers.append(("trace_id", source.trace_id.encode()))
    if isinstance(outcome, Article):
        headers.append(("content_hash", outcome.content_hash.encode()))
        headers.append(("language", outcome.language.code.encode()))
        records = [OutgoingRecord(settings.clean_topic, outcome.article_id.encode(), value, tuple(headers))]
        if settings.per_language_topics:
            records.append(OutgoingRecord(f"{settings.clean_topic}.{outcome.language.code}",
                                          outcome.article_id.encode(), value, tuple(headers)))
        return records
    if isinstance(outcome, Rejected):
        key = outcome.article_id or outcome.record_id
        headers.append(("reason", outcome.reason.value.encode()))
        return [OutgoingRecord(settings.rejections_topic, key.encode() if key else None, value, tuple(headers))]
    assert isinstance(outcome, Failed)
    headers.append(("error_kind", outcome.kind.value.encode()))
    key = outcome.record_id.encode() if outcome.record_id else None
    return [OutgoingRecord(settings.dead_letter_topic, key, value, tuple(headers))]
