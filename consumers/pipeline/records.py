"""Outcomes -> wire records (dicts encoded with orjson).

The shapes are the public contract described by schemas/*.schema.json (tests validate every
kind against them); see schemas/README.md for what may change without bumping SCHEMA_VERSION.
"""

from __future__ import annotations

import base64
import hashlib

from .model import Article, Failed, Limits, Rejected

SCHEMA_VERSION = 1
MAX_ERROR_MESSAGE_CHARS = 1000
# A dead letter wraps the original bytes in base64 (4/3 the size) plus a small JSON envelope.
DEAD_LETTER_ENVELOPE_BYTES = 64 * 1024


def dead_letter_max_bytes(limits: Limits) -> int:
    """The largest dead-letter value for these limits: size the dead-letter topic's
    `max.message.bytes` (and the producer's `message.max.bytes`) to at least this."""
    return 4 * -(-limits.max_record_bytes // 3) + DEAD_LETTER_ENVELOPE_BYTES


def article_record(article: Article) -> dict:
    meta = article.meta
    story = article.story
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "article",
        "id": article.record_id if article.record_id is not None else article.article_id,
        "article_id": article.article_id,
        "url": article.url,
        "canonical_url": meta.canonical_url,
        "title": meta.title,
        "authors": list(meta.authors),
        "published": meta.published,
        "site_name": meta.site_name,
        "language": {"code": article.language.code, "confidence": article.language.confidence},
        "topics": [{"code": t.code, "label": t.label, "score": t.score} for t in article.topics],
        "text": article.text,
        "paragraphs": [{"text": p.text, "kind": p.kind.value, "label": p.label.value, "score": p.score}
                       for p in article.paragraphs],
        "story_paragraph_count": len(story),
        "boilerplate_paragraph_count": len(article.paragraphs) - len(story),
        "content_hash": article.content_hash,
    }


def rejection_record(rejected: Rejected) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "rejection",
        "id": rejected.record_id if rejected.record_id is not None else rejected.article_id,
        "article_id": rejected.article_id,
        "url": rejected.url,
        "reason": rejected.reason.value,
        "detail": rejected.detail,
        "paragraph_count": rejected.paragraph_count,
        "story_paragraph_count": rejected.story_paragraph_count,
        "story_chars": rejected.story_chars,
        "content_hash": rejected.content_hash,
    }


def dead_letter_record(failed: Failed, original: bytes, source: dict | None = None,
                       max_original_bytes: int | None = None) -> dict:
    """`source` names where the original came from: topic, partition, offset (stream) or
    file and line (offline). The original bytes travel unchanged unless they exceed
    `max_original_bytes` (only a record already over the record size limit can): then a
    prefix travels, flagged `original_truncated`, with the full size and SHA-256."""
    limit = Limits().max_record_bytes if max_original_bytes is None else max_original_bytes
    kept = original if len(original) <= limit else original[:limit]
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "dead_letter",
        "id": failed.record_id,
        "url": failed.url,
        "error_kind": failed.kind.value,
        "error_message": failed.message[:MAX_ERROR_MESSAGE_CHARS],
        "source": source or {},
        "original_size": len(original),
        "original_sha256": hashlib.sha256(original).hexdigest(),
        "original_truncated": len(kept) < len(original),
        "original_base64": base64.b64encode(kept).decode("ascii"),
    }


def outcome_record(outcome: Article | Rejected | Failed, original: bytes, source: dict | None = None,
                   max_original_bytes: int | None = None) -> dict:
    if isinstance(outcome, Article):
        return article_record(outcome)
    if isinstance(outcome, Rejected):
        return rejection_record(outcome)
    return dead_letter_record(outcome, original, source, max_original_bytes)
