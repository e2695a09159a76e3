"""Outcomes -> wire records: each kind matches its schema; dead letters keep the original bytes."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from consumers.pipeline.model import (Article, BlockKind, Failed, FailureKind, Label, LanguageTag, Limits,
                                      PageMeta, Paragraph, Rejected, RejectReason, TopicTag)
from consumers.pipeline.records import (SCHEMA_VERSION, dead_letter_max_bytes, dead_letter_record,
                                        outcome_record)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def schema(kind: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{kind}.schema.json").read_text()))


def article(record_id: str | None = "r1") -> Article:
    paragraphs = (Paragraph("Menu", BlockKind.PARAGRAPH, Label.BOILERPLATE, 0.1),
                  Paragraph("The ferry is back.", BlockKind.PARAGRAPH, Label.STORY, 0.9))
    return Article(article_id="0" * 32, record_id=record_id, url="https://a.example/x",
                   meta=PageMeta(title="Ferry", authors=("A. B.",)), paragraphs=paragraphs,
                   language=LanguageTag("en", 0.97), topics=(TopicTag("medtop:04000000", "economy", 0.4),),
                   content_hash="f" * 32)


def assert_valid(kind: str, record: dict) -> None:
    record = orjson.loads(orjson.dumps(record))  # exactly what goes on the wire
    assert [e.message for e in schema(kind).iter_errors(record)] == []


def test_article_record() -> None:
    record = outcome_record(article(), b"raw")
    assert_valid("article", record)
    assert (record["kind"], record["id"], record["text"], record["story_paragraph_count"],
            record["boilerplate_paragraph_count"]) == ("article", "r1", "The ferry is back.", 1, 1)
    assert outcome_record(article(record_id=None), b"")["id"] == "0" * 32


@pytest.mark.parametrize("reason", list(RejectReason))
def test_rejection_record_for_every_reason(reason: RejectReason) -> None:
    rejected = Rejected(reason, "why", "https://a.example/x", None,
                        content_hash="e" * 32 if reason is RejectReason.DUPLICATE else None)
    record = outcome_record(rejected, b"raw")
    assert_valid("rejection", record)
    assert record["reason"] == reason.value and record["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("kind", list(FailureKind))
@pytest.mark.parametrize("source", [{"topic": "pages.raw", "partition": 2, "offset": 40, "timestamp_ms": None},
                                    {"file": "in.jsonl", "line": 3}])
def test_dead_letter_record_for_every_kind_and_source(kind: FailureKind, source: dict) -> None:
    original = b'{"url": \xff\x00 broken'
    record = outcome_record(Failed(kind, "boom" * 400, "r1", None), original, source)
    assert_valid("dead-letter", record)
    assert base64.b64decode(record["original_base64"]) == original
    assert record["original_size"] == len(original) and record["original_truncated"] is False
    assert record["original_sha256"] == hashlib.sha256(original).hexdigest()
    assert record["source"] == source and len(record["error_message"]) == 1000


def test_dead_letter_truncates_only_over_the_limit() -> None:
    original = bytes(range(256)) * 10
    kept = dead_letter_record(Failed(FailureKind.TOO_LARGE, "big"), original, {"file": "-", "line": 1},
                              max_original_bytes=len(original))
    assert base64.b64decode(kept["original_base64"]) == original and not kept["original_truncated"]
    cut = dead_letter_record(Failed(FailureKind.TOO_LARGE, "big"), original, {"file": "-", "line": 1},
                             max_original_bytes=100)
    assert base64.b64decode(cut["original_base64"]) == original[:100] and cut["original_truncated"]
    assert cut["original_size"] == len(original)
    assert cut["original_sha256"] == hashlib.sha256(original).hexdigest()
    assert_valid("dead-letter", cut)


def test_dead_letter_max_bytes_bounds_the_largest_dead_letter() -> None:
    limits = Limits(max_record_bytes=30_000)
    original = bytes([255]) * limits.max_record_bytes
    failed = Failed(FailureKind.CRASH, "x" * 5000, "i" * 512, "https://a.example/" + "u" * 8000)
    value = orjson.dumps(dead_letter_record(failed, original, {"topic": "t" * 249, "partition": 9, "offset": 10**15},
                                            limits.max_record_bytes))
    assert len(value) <= dead_letter_max_bytes(limits)
