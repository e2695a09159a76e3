"""Metrics against an injected registry: names and units, bounded labels, what each outcome counts."""

from __future__ import annotations

import random
import string

from prometheus_client import CollectorRegistry

from consumers.metrics import (KNOWN_LANGUAGES, KNOWN_TOPICS, LAG_STALE_SECONDS, NO_TOPIC, OTHER, Metrics)
from consumers.pipeline import STAGES
from consumers.pipeline.features import COMPILED_TEXT_FEATURES
from consumers.pipeline.guards import COMPILED_GUARD_SCAN
from consumers.pipeline.html_blocks import COMPILED_SEGMENTER
from consumers.pipeline.model import Failed, FailureKind, Label, Rejected, RejectReason
from consumers.pipeline.trees import COMPILED_WALK
from consumers.routing import Source
from ops_fakes import URL, article, timer


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_counter_names_end_in_total_and_durations_in_seconds():
    metrics = Metrics(CollectorRegistry())
    families = list(metrics.registry.collect())
    assert families
    for family in families:
        if family.type == "counter":
            for sample in family.samples:
                assert sample.name.endswith(("_total", "_created")), sample.name
        if family.type == "histogram" and family.name.startswith("storysift_"):
            assert family.name.endswith(("_seconds", "_ratio", "_chars")), family.name
        assert family.name.startswith(("storysift_", "process_", "python_")), family.name


def test_an_article_counts_pages_stages_paragraphs_language_and_topics():
    metrics = Metrics(CollectorRegistry())
    outcome = article(story=3, boilerplate=1)
    metrics.observe_outcome(outcome, timer(decode=0.001, segment=0.02, classify=0.03))
    metrics.observe_published(outcome, 1.5)
    assert value(metrics, "storysift_pages_consumed_total") == 1
    assert value(metrics, "storysift_articles_published_total") == 1
    assert value(metrics, "storysift_stage_seconds_count", stage="segment") == 1
    assert value(metrics, "storysift_stage_seconds_count", stage="language") == 0
    assert abs(value(metrics, "storysift_page_seconds_sum") - 0.051) < 1e-9
    assert value(metrics, "storysift_paragraphs_total", label="story") == 3
    assert value(metrics, "storysift_paragraphs_total", label="boilerplate") == 1
    assert value(metrics, "storysift_article_story_share_ratio_sum") == 0.75
    assert value(metrics, "storysift_article_length_chars_sum") == sum(len(p.text) for p in outcome.story)
    assert value(metrics, "storysift_articles_by_language_total", language="en") == 1
    assert value(metrics, "storysift_articles_by_topic_total", iptc_topic="medtop:15000000") == 1
    assert value(metrics, "storysift_end_to_end_delay_seconds_count") == 1


def test_rejections_and_dead_letters_count_by_reason_and_kind_and_never_as_articles():
    metrics = Metrics(CollectorRegistry())
    rejected = Rejected(RejectReason.NO_STORY_FOUND, "nothing", URL, "r2", paragraph_count=5, story_paragraph_count=1)
    failed = Failed(FailureKind.INVALID_JSON, "bad", None, None)
    for outcome in (rejected, failed):
        metrics.observe_outcome(outcome, timer(decode=0.0001))
        metrics.observe_published(outcome, 0.2)
    assert value(metrics, "storysift_pages_consumed_total") == 2
    assert value(metrics, "storysift_articles_published_total") == 0
    assert value(metrics, "storysift_rejections_total", reason="no_story_found") == 1
    assert value(metrics, "storysift_rejections_total", reason="duplicate") == 0  # exported from the start
    assert value(metrics, "storysift_dead_letters_total", error_kind="invalid_json") == 1
    assert value(metrics, "storysift_dead_letters_total", error_kind="timeout") == 0
    # a rejected page's paragraphs still count: a template change shows as story share falling
    assert value(metrics, "storysift_paragraphs_total", label="story") == 1
    assert value(metrics, "storysift_paragraphs_total", label="boilerplate") == 4
    assert value(metrics, "storysift_end_to_end_delay_seconds_count") == 2


def test_label_values_stay_in_closed_sets_whatever_the_pages_say():
    metrics = Metrics(CollectorRegistry())
    rng = random.Random(3)
    for i in range(500):
        junk = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 8)))
        outcome = article(language=junk, topics=(f"medtop:{rng.randint(0, 99999999):08d}", f"x-{junk}"),
                          url=f"https://{junk}.example/{i}")
        metrics.observe_outcome(outcome, timer(decode=0.001))
        metrics.observe_published(outcome, 0.1)
    metrics.observe_published(article(language="de", topics=()), 0.1)
    allowed = {
        "language": KNOWN_LANGUAGES | {OTHER}, "iptc_topic": KNOWN_TOPICS | {OTHER, NO_TOPIC},
        "stage": set(STAGES), "label": {label.value for label in Label},
        "reason": {r.value for r in RejectReason}, "error_kind": {k.value for k in FailureKind},
    }
    series = 0
    for family in metrics.registry.collect():
        for sample in family.samples:
            series += 1
            for name, label_value in sample.labels.items():
                assert "example" not in label_value and "/" not in label_value, (sample.name, label_value)
                if name in allowed:
                    assert label_value in allowed[name], (sample.name, name, label_value)
    assert value(metrics, "storysift_articles_by_language_total", language=OTHER) >= 400
    assert value(metrics, "storysift_articles_by_topic_total", iptc_topic=NO_TOPIC) == 1
    assert series < 600, f"{series} series from 500 pages: some label is not bounded"


def test_lag_per_partition_expires_when_not_refreshed_and_gives_the_oldest_record_age():
    clock = FakeClock()
    metrics = Metrics(CollectorRegistry(), clock=clock)
    assert not metrics.is_ready(), "no partition assigned yet"
    metrics.set_lag("pages.raw", 0, 12)
    metrics.set_lag("pages.raw", 1, 0)
    source = Source("pages.raw", 0, 41, timestamp_ms=int((clock.now - 90) * 1000))
    metrics.observe_published(article(), 90.0, source)
    clock.now += 5
    assert value(metrics, "storysift_consumer_lag_messages", topic="pages.raw", partition="0") == 12
    assert value(metrics, "storysift_oldest_unprocessed_age_seconds", topic="pages.raw", partition="0") == 95
    assert value(metrics, "storysift_oldest_unprocessed_age_seconds", topic="pages.raw", partition="1") == 0
    assert metrics.is_ready() and value(metrics, "storysift_worker_ready") == 1
    clock.now += LAG_STALE_SECONDS + 1  # partitions revoked: the sampler stops reporting them
    assert value(metrics, "storysift_consumer_lag_messages", topic="pages.raw", partition="0") is None
    assert not metrics.is_ready() and value(metrics, "storysift_worker_ready") == 0


def test_a_readiness_check_that_raises_means_not_ready():
    metrics = Metrics(CollectorRegistry())
    metrics.set_readiness(lambda: True)
    assert metrics.is_ready()

    def broken() -> bool:
        raise RuntimeError("consumer not started")

    metrics.set_readiness(broken)
    assert not metrics.is_ready()
    assert value(metrics, "storysift_worker_ready") == 0


def test_build_info_names_the_package_version():
    metrics = Metrics(CollectorRegistry())
    [sample] = [s for f in metrics.registry.collect() if f.name == "storysift_build" for s in f.samples]
    assert sample.labels["version"] and sample.labels["version"] != "unknown"
    assert set(sample.labels) == {"version", "faust", "python", "tree_walk", "text_features", "segmenter",
                                  "guard_scan"}
    assert sample.labels["tree_walk"] == ("compiled" if COMPILED_WALK else "numpy")
    assert sample.labels["text_features"] == ("compiled" if COMPILED_TEXT_FEATURES else "python")
    assert sample.labels["segmenter"] == ("compiled" if COMPILED_SEGMENTER else "python")
    assert sample.labels["guard_scan"] == ("compiled" if COMPILED_GUARD_SCAN else "python")
