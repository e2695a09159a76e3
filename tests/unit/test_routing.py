"""Outcome -> outgoing Kafka records: topics, keys, headers, fan-out, duplicates."""

from __future__ import annotations

from dataclasses import replace

import orjson

from consumers.pipeline.model import (Article, BlockKind, Failed, FailureKind, Label, LanguageTag, PageMeta,
                                      Paragraph, Rejected, RejectReason)
from consumers.routing import Source, language_topic, parse_source_header, route
from consumers.settings import Settings

SETTINGS = Settings()
SOURCE = Source("pages.raw", 3, 1187, 1_700_000_000_000, "trace-1")


def article(code: str = "en", content_hash: str = "f" * 32) -> Article:
    return Article(article_id="a" * 32, record_id="r1", url="https://a.example/x", meta=PageMeta(),
                   paragraphs=(Paragraph("Story text here.", BlockKind.PARAGRAPH, Label.STORY, 0.9),),
                   language=LanguageTag(code, 0.9), topics=(), content_hash=content_hash)


def headers(record) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


def test_article_goes_to_clean_topic_keyed_by_article_id() -> None:
    [out] = route(article(), b"raw", SOURCE, SETTINGS)
    assert (out.topic, out.key) == (SETTINGS.clean_topic, b"a" * 32)
    assert headers(out) == {"schema_version": "1", "source": "pages.raw/3/1187", "trace_id": "trace-1",
                            "record_kind": "article", "content_hash": "f" * 32, "language": "en"}
    assert orjson.loads(out.value)["kind"] == "article"


def test_per_language_fan_out_is_off_by_default_and_skips_und() -> None:
    assert len(route(article(), b"", SOURCE, SETTINGS)) == 1
    fan = replace(SETTINGS, per_language_topics=True)
    clean, per_language = route(article("zh-hans"), b"", SOURCE, fan)
    assert per_language.topic == "articles.clean.zh-hans" and per_language.value == clean.value
    assert len(route(article("und"), b"", SOURCE, fan)) == 1
    assert language_topic("articles.clean", "x/y z") == "articles.clean.x_y_z"


def test_rejection_goes_to_rejections_topic_with_reason_header() -> None:
    rejected = Rejected(RejectReason.NO_STORY_FOUND, "0 story paragraphs", "https://a.example/x", "r1")
    [out] = route(rejected, b"raw", replace(SOURCE, trace_id=None), SETTINGS)
    assert (out.topic, out.key) == (SETTINGS.rejections_topic, b"r1")
    assert headers(out) == {"schema_version": "1", "source": "pages.raw/3/1187", "record_kind": "rejection",
                            "reason": "no_story_found"}
    anonymous = replace(rejected, record_id=None)
    assert route(anonymous, b"", SOURCE, SETTINGS)[0].key is None


def test_dead_letter_carries_original_bytes_and_source() -> None:
    original = b'{"url": \x00\xff'
    [out] = route(Failed(FailureKind.INVALID_JSON, "bad"), original, SOURCE, SETTINGS)
    value = orjson.loads(out.value)
    assert (out.topic, out.key) == (SETTINGS.dead_letter_topic, None)
    assert headers(out)["error_kind"] == "invalid_json"
    assert value["source"] == SOURCE.as_dict()
    import base64
    assert base64.b64decode(value["original_base64"]) == original


def test_source_header_round_trips() -> None:
    assert parse_source_header(SOURCE.header.encode()) == ("pages.raw", 3, 1187)


def test_duplicate_rejection_carries_the_hash() -> None:
    dup = Rejected(RejectReason.DUPLICATE, "same content", "https://a.example/x", "r1", article_id="a" * 32,
                   content_hash="f" * 32)
    [out] = route(dup, b"", SOURCE, SETTINGS)
    assert out.topic == SETTINGS.rejections_topic and out.key == b"a" * 32
    assert headers(out)["content_hash"] == "f" * 32 and headers(out)["reason"] == "duplicate"
    assert orjson.loads(out.value)["content_hash"] == "f" * 32
