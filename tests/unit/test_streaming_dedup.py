"""Dedup semantics: exact re-publications are duplicates; redeliveries never are."""

from __future__ import annotations

from consumers.pipeline.model import (Article, BlockKind, Failed, FailureKind, Label, LanguageTag, PageMeta,
                                      Paragraph, Rejected, RejectReason)
from consumers.routing import Source
from consumers.streaming.dedup import DedupEntry, Deduplicator, DictStore, dedup_decision

DAY = 24 * 3600


def article(content_hash: str = "h1", article_id: str = "a1") -> Article:
    return Article(article_id=article_id, record_id=None, url="https://example.com/a", meta=PageMeta(),
                   paragraphs=(Paragraph("Some story text.", BlockKind.PARAGRAPH, Label.STORY, 0.9),),
                   language=LanguageTag("en", 0.99), topics=(), content_hash=content_hash)


def at(offset: int, partition: int = 0, ts: int = 1_000_000) -> Source:
    return Source("pages.raw", partition, offset, timestamp_ms=ts)


def test_first_sighting_is_published_and_remembered():
    dedup = Deduplicator(DictStore(), DAY)
    outcome = article()
    assert dedup.check(outcome, at(5)) is outcome
    assert DedupEntry.from_bytes(dedup.store.get(b"a1")) == DedupEntry("h1", "pages.raw", 0, 5, 1_000_000)


def test_same_content_from_a_later_record_is_a_duplicate():
    dedup = Deduplicator(DictStore(), DAY)
    dedup.check(article(), at(5))
    decided = dedup.check(article(), at(9))
    assert isinstance(decided, Rejected) and decided.reason is RejectReason.DUPLICATE
    assert decided.article_id == "a1" and decided.content_hash == "h1"
    assert "pages.raw/0/5" in decided.detail


def test_redelivery_of_the_same_record_is_published_again():
    dedup = Deduplicator(DictStore(), DAY)
    dedup.check(article(), at(5))
    outcome = article()
    assert dedup.check(outcome, at(5)) is outcome


def test_replay_after_a_crash_repeats_the_first_run_decisions():
    """Entries written past the committed offset must not change what a replayed record gets."""
    records = [(5, "h1"), (7, "h2"), (8, "h1"), (9, "h1")]
    dedup = Deduplicator(DictStore(), DAY)
    first_run = [type(dedup.check(article(h), at(o))).__name__ for o, h in records]
    replayed = [type(dedup.check(article(h), at(o))).__name__ for o, h in records]  # same store, from offset 5
    assert first_run == ["Article", "Article", "Article", "Rejected"]
    assert replayed == first_run


def test_changed_content_is_published_and_replaces_the_entry():
    dedup = Deduplicator(DictStore(), DAY)
    dedup.check(article("h1"), at(5))
    outcome = article("h2")
    assert dedup.check(outcome, at(6)) is outcome
    assert DedupEntry.from_bytes(dedup.store.get(b"a1")).content_hash == "h2"


def test_window_is_measured_in_record_time():
    dedup = Deduplicator(DictStore(), 60)
    dedup.check(article(), at(5, ts=0))
    assert isinstance(dedup.check(article(), at(6, ts=59_000)), Rejected)
    outcome = article()
    assert dedup.check(outcome, at(7, ts=61_000)) is outcome


def test_across_partitions_the_older_timestamp_wins():
    previous = DedupEntry("h1", "pages.raw", 1, 100, timestamp_ms=2_000)
    assert isinstance(dedup_decision(article(), previous, at(3, partition=0, ts=3_000), DAY), Rejected)
    outcome = article()
    assert dedup_decision(outcome, previous, at(3, partition=0, ts=1_000), DAY) is outcome


def test_non_articles_pass_through_untouched():
    dedup = Deduplicator(DictStore(), DAY)
    failed = Failed(FailureKind.INVALID_JSON, "bad")
    assert dedup.check(failed, at(1)) is failed
    assert dedup.store.items() == []


def test_purge_drops_expired_and_unreadable_entries():
    store = DictStore()
    dedup = Deduplicator(store, 60)
    dedup.check(article(article_id="old"), at(1, ts=0))
    dedup.check(article(article_id="new"), at(2, ts=100_000))
    store.put(b"junk", b"not json", 0)
    assert dedup.purge(now_ms=120_000) == 2
    assert [k for k, _ in store.items()] == [b"new"]


def test_a_stored_entry_costs_its_size_not_a_json_encoders_buffer():
    """The table keeps one entry per article for the whole window (7 days by default)."""
    import tracemalloc

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [DedupEntry(f"{i:032x}", "pages.raw", i % 8, i, 1_700_000_000_000 + i).to_bytes() for i in range(2000)]
        per_entry = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    assert per_entry < 400, f"{per_entry:.0f} bytes per stored entry"
