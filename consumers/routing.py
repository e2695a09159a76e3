"""Outcome -> the Kafka records to publish (topic, key, value, headers). Pure: no client here.

Keys: articles by `article_id` (stable across re-crawls, so the clean topic can be compacted);
rejections by article id or record id; dead letters by record id when readable.
Headers (all values UTF-8): `schema_version`, `record_kind`, `source` ("topic/partition/offset"
of the raw record), `trace_id` (passed through from the raw record's headers), `content_hash`
(articles and duplicate rejections), `language` (articles), `reason` (rejections),
`error_kind` (dead letters). See docs/contracts.md. Exact duplicates are decided before routing,
in consumers/streaming/dedup.py, and arrive here as `duplicate` rejections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from .pipeline.model import Article, Failed, Outcome, Rejected
from .pipeline.records import SCHEMA_VERSION, outcome_record
from .settings import Settings

_TOPIC_UNSAFE = re.compile(r"[^a-zA-Z0-9._-]")


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

    @property
    def header(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


def parse_source_header(value: bytes | str) -> tuple[str, int, int]:
    """Inverse of the `source` header: (topic, partition, offset). Topic names hold no '/'."""
    text = value.decode() if isinstance(value, bytes) else value
    topic, partition, offset = text.rsplit("/", 2)
    return topic, int(partition), int(offset)


def language_topic(clean_topic: str, language_code: str) -> str | None:
    """The per-language fan-out topic for a language, or None when there is none (`und`)."""
    if not language_code or language_code == "und":
        return None
    return f"{clean_topic}.{_TOPIC_UNSAFE.sub('_', language_code.lower())}"


def route(outcome: Outcome, original: bytes, source: Source, settings: Settings) -> list[OutgoingRecord]:
    value = orjson.dumps(outcome_record(outcome, original, source.as_dict(),
                                        max_original_bytes=settings.limits.max_record_bytes))
    headers = [("schema_version", str(SCHEMA_VERSION).encode()), ("source", source.header.encode())]
    if source.trace_id:
        headers.append(("trace_id", source.trace_id.encode("utf-8", "replace")))
    if isinstance(outcome, Article):
        headers += [("record_kind", b"article"), ("content_hash", outcome.content_hash.encode()),
                    ("language", outcome.language.code.encode())]
        key = outcome.article_id.encode()
        records = [OutgoingRecord(settings.clean_topic, key, value, tuple(headers))]
        fan_out = language_topic(settings.clean_topic, outcome.language.code)
        if settings.per_language_topics and fan_out is not None:
            records.append(OutgoingRecord(fan_out, key, value, tuple(headers)))
        return records
    if isinstance(outcome, Rejected):
        headers += [("record_kind", b"rejection"), ("reason", outcome.reason.value.encode())]
        if outcome.content_hash:
            headers.append(("content_hash", outcome.content_hash.encode()))
        key = outcome.article_id or outcome.record_id
        return [OutgoingRecord(settings.rejections_topic, key.encode() if key else None, value, tuple(headers))]
    assert isinstance(outcome, Failed)
    headers += [("record_kind", b"dead_letter"), ("error_kind", outcome.kind.value.encode())]
    key = outcome.record_id.encode() if outcome.record_id else None
    return [OutgoingRecord(settings.dead_letter_topic, key, value, tuple(headers))]

