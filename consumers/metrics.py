"""Every Prometheus metric of a worker, created against an injectable registry.

Units are seconds (and ratios, characters); counters end in `_total`; every label value comes
from a closed set (enums, STAGES, the known language and topic codes below, or `other`): never a
URL, a domain or free text. docs/operations.md lists the metrics and the measured ranges that
the histogram buckets were chosen for.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram, Info, PlatformCollector,
                               ProcessCollector)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .pipeline import STAGES, StageTimer
from .pipeline.features import COMPILED_TEXT_FEATURES
from .pipeline.guards import COMPILED_GUARD_SCAN
from .pipeline.html_blocks import COMPILED_SEGMENTER
from .pipeline.model import Article, Failed, FailureKind, Label, Outcome, Rejected, RejectReason
from .pipeline.trees import COMPILED_WALK

# Measured by timing Pipeline.process per stage over 300 dev pages (docs/operations.md, "Measured
# ranges"): stages span 50 us (decode) to 0.25 s (segment, classify); a page p50 38 ms, p99 0.26 s,
# mean 54 ms; Limits.max_seconds (5 s) cuts a page off, so nothing legitimate lands above 10 s.
STAGE_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
# Record timestamp to publication: a batch window (0.2 s) plus processing when caught up, then
# minutes to hours while a backlog drains.
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0,
                 4 * 3600.0, 24 * 3600.0)
# Story paragraphs / all paragraphs of an article (dev pages: p10 0.09, p50 0.30, p90 0.72).
SHARE_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
# Story text length in characters (dev pages: p10 1.8k, p50 6.4k, p90 20k).
LENGTH_BUCKETS = (250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0, 64000.0, 128000.0)

OTHER = "other"
PUBLISH_TIMEOUT_ERROR = "AttemptTimedOut"  # consumers.streaming.publish.AttemptTimedOut
NO_TOPIC = "none"
# Languages get their own label value; everything else is `other` (bounds the series count).
KNOWN_LANGUAGES = frozenset({
    "und", "en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "sl", "hr", "sr", "bs", "ro", "hu",
    "bg", "ru", "uk", "be", "el", "tr", "sv", "no", "nn", "da", "fi", "et", "lv", "lt", "is", "ga", "ca",
    "eu", "gl", "ar", "fa", "he", "ur", "hi", "bn", "ta", "te", "mr", "th", "vi", "id", "ms", "tl",
    "ja", "ko", "zh-hans", "zh-hant", "sw", "ha", "am", "yo", "ig", "so", "af",
})
# IPTC Media Topics, top level (the 17 subjects); deeper codes count as `other`.
KNOWN_TOPICS = frozenset(f"medtop:{n:02d}000000" for n in range(1, 18))

# A lag sample older than this is dropped: the partition was revoked (or the sampler stopped),
# and a stale value would double-count the partition next to its new owner's.
LAG_STALE_SECONDS = 30.0


def language_label(code: str) -> str:
    return code if code in KNOWN_LANGUAGES else OTHER


def topic_label(code: str) -> str:
    return code if code in KNOWN_TOPICS else OTHER


def error_label(error: BaseException) -> str:
    """The exception's class name (of its cause when wrapped): a small, bounded set in practice."""
    name = type(error.__cause__ or error).__name__
    return name if name.isidentifier() and len(name) <= 64 else OTHER


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, namespace: str = "storysift",
                 process_metrics: bool = True, clock: Callable[[], float] = time.time) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._clock = clock
        ns, reg = namespace, self.registry
        if process_metrics:  # process_start_time_seconds etc.: restarts, memory, CPU
            ProcessCollector(registry=reg)
            PlatformCollector(registry=reg)
        self.pages_consumed = Counter("pages_consumed_total", "Raw records consumed", namespace=ns, registry=reg)
        self.articles_published = Counter("articles_published_total", "Clean articles published",
                                          namespace=ns, registry=reg)
        self.rejections = Counter("rejections_total", "Pages rejected, by reason", ["reason"],
                                  namespace=ns, registry=reg)
        self.dead_letters = Counter("dead_letters_total", "Records dead-lettered, by error kind", ["error_kind"],
                                    namespace=ns, registry=reg)
        self.stage_seconds = Histogram("stage_seconds", "Processing time per pipeline stage", ["stage"],
                                       buckets=STAGE_BUCKETS, namespace=ns, registry=reg)
        self.page_seconds = Histogram("page_seconds", "Processing time per page (all stages)",
                                      buckets=PAGE_BUCKETS, namespace=ns, registry=reg)
        self.end_to_end_delay = Histogram("end_to_end_delay_seconds",
                                          "Raw record timestamp to acknowledged publication",
                                          buckets=DELAY_BUCKETS, namespace=ns, registry=reg)
        self.paragraphs = Counter("paragraphs_total", "Paragraphs classified, by label", ["label"],
                                  namespace=ns, registry=reg)
        self.story_share = Histogram("article_story_share_ratio", "Story paragraphs / paragraphs, per article",
                                     buckets=SHARE_BUCKETS, namespace=ns, registry=reg)
        self.article_length = Histogram("article_length_chars", "Story text length per article, characters",
                                        buckets=LENGTH_BUCKETS, namespace=ns, registry=reg)
        self.languages = Counter("articles_by_language_total", "Articles published, by language (known codes or other)",
                                 ["language"], namespace=ns, registry=reg)
        self.topics = Counter("articles_by_topic_total",
                              "Topic tags of published articles (IPTC top level, other, or none)",
                              ["iptc_topic"], namespace=ns, registry=reg)
        self.publish_failures = Counter("publish_failures_total",
                                        "Records whose publish attempt failed and is retried, by error type",
                                        ["error"], namespace=ns, registry=reg)
        self.publish_unacknowledged = Gauge("publish_unacknowledged_records",
                                            "Records of the current batch still unacknowledged after a failed attempt",
                                            namespace=ns, registry=reg)
        self.build = Info("build", "Build and version", namespace=ns, registry=reg)
        self.build.info(build_info())
        self.ready = Gauge("worker_ready", "1 when the consumer is assigned and the broker reachable",
                           namespace=ns, registry=reg)
        self.ready.set_function(self._ready_value)
        self._readiness: Callable[[], bool] = self.has_fresh_lag
        self._partitions = PartitionState(clock)
        reg.register(_PartitionCollector(ns, self._partitions))
        self._zero_known_series()

    def _zero_known_series(self) -> None:
        """Export every bounded label value from the start: rate() sees the first increment."""
        for reason in RejectReason:
            self.rejections.labels(reason.value)
        for kind in FailureKind:
            self.dead_letters.labels(kind.value)
        for label in Label:
            self.paragraphs.labels(label.value)
        for stage in STAGES:
            self.stage_seconds.labels(stage)
        self.publish_failures.labels(PUBLISH_TIMEOUT_ERROR)  # the publisher's own; others appear on use

    # -- called by the stream processor -------------------------------------------------------

    def observe_outcome(self, outcome: Outcome, timer: StageTimer) -> None:
        self.pages_consumed.inc()
        for stage in STAGES:
            if stage in timer.seconds:
                self.stage_seconds.labels(stage).observe(timer.seconds[stage])
        self.page_seconds.observe(sum(timer.seconds.values()))
        if isinstance(outcome, Article):
            story = len(outcome.story)
            self._count_paragraphs(story, len(outcome.paragraphs))
        elif isinstance(outcome, Rejected):
            self.rejections.labels(outcome.reason.value).inc()
            self._count_paragraphs(outcome.story_paragraph_count, outcome.paragraph_count)
        elif isinstance(outcome, Failed):
            self.dead_letters.labels(outcome.kind.value).inc()

    def _count_paragraphs(self, story: int, total: int) -> None:
        # Rejected pages count too: a broken template shows as story share falling on every page.
        self.paragraphs.labels(Label.STORY.value).inc(story)
        self.paragraphs.labels(Label.BOILERPLATE.value).inc(max(total - story, 0))

    def observe_published(self, outcome: Outcome, delay_seconds: float | None, source: Any = None) -> None:
        """Called once the output is acknowledged by the broker. `source` (anything with topic,
        partition and timestamp_ms, e.g. routing.Source) feeds the oldest-unprocessed age."""
        if isinstance(outcome, Article):
            self.articles_published.inc()
            self._observe_article(outcome)
        if delay_seconds is not None and delay_seconds >= 0:
            self.end_to_end_delay.observe(delay_seconds)
        if source is not None and getattr(source, "timestamp_ms", None):
            self._partitions.processed(source.topic, source.partition, source.timestamp_ms / 1000)

    def _observe_article(self, article: Article) -> None:
        story = article.story
        if article.paragraphs:
            self.story_share.observe(len(story) / len(article.paragraphs))
        self.article_length.observe(sum(len(p.text) for p in story))
        self.languages.labels(language_label(article.language.code)).inc()
        labels = {topic_label(t.code) for t in article.topics} or {NO_TOPIC}
        for label in labels:
            self.topics.labels(label).inc()

    def publish_failed(self, error: BaseException, records: int) -> None:
        self.publish_failures.labels(error_label(error)).inc(records)

    def publish_pending(self, records: int) -> None:
        self.publish_unacknowledged.set(records)

    def set_lag(self, topic: str, partition: int, lag: int) -> None:
        self._partitions.lag(topic, partition, lag)

    # -- readiness ------------------------------------------------------------------------------

    def set_readiness(self, check: Callable[[], bool]) -> None:
        """Replace the default readiness check (a fresh lag sample) with the worker's own."""
        self._readiness = check

    def is_ready(self) -> bool:
        try:
            return bool(self._readiness())
        except Exception:  # noqa: BLE001 - a failing check means not ready, never a crash
            return False

    def has_fresh_lag(self) -> bool:
        """Partitions are assigned and the broker answered a position query recently."""
        return self._partitions.has_fresh_lag()

    def _ready_value(self) -> float:
        return 1.0 if self.is_ready() else 0.0


class PartitionState:
    """Per assigned partition: the last lag sample and the timestamp of the last processed record."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._lags: dict[tuple[str, int], tuple[int, float]] = {}
        self._last_done: dict[tuple[str, int], float] = {}

    def lag(self, topic: str, partition: int, lag: int) -> None:
        with self._lock:
            self._lags[(topic, partition)] = (max(int(lag), 0), self._clock())

    def processed(self, topic: str, partition: int, record_time: float) -> None:
        with self._lock:
            key = (topic, partition)
            self._last_done[key] = max(record_time, self._last_done.get(key, record_time))

    def fresh(self) -> list[tuple[str, int, int, float | None]]:
        """(topic, partition, lag, oldest unprocessed age or None) for non-stale samples."""
        now = self._clock()
        rows = []
        with self._lock:
            for key in list(self._lags):
                lag, sampled = self._lags[key]
                if now - sampled > LAG_STALE_SECONDS:
                    del self._lags[key]
                    continue
                done = self._last_done.get(key)
                # The next unprocessed record is no older than the last processed one (producer
                # timestamps grow within a partition), so this is an upper bound of its age.
                age = 0.0 if lag == 0 else (max(now - done, 0.0) if done is not None else None)
                rows.append((key[0], key[1], lag, age))
        return rows

    def has_fresh_lag(self) -> bool:
        return bool(self.fresh())


class _PartitionCollector(Collector):
    def __init__(self, namespace: str, state: PartitionState) -> None:
        self._ns = namespace
        self._state = state

    def collect(self) -> Iterable[GaugeMetricFamily]:
        lag = GaugeMetricFamily(f"{self._ns}_consumer_lag_messages",
                                "High watermark minus position, per assigned partition", labels=["topic", "partition"])
        age = GaugeMetricFamily(f"{self._ns}_oldest_unprocessed_age_seconds",
                                "Age of the oldest unprocessed record (upper bound), per assigned partition",
                                labels=["topic", "partition"])
        for topic, partition, messages, seconds in self._state.fresh():
            lag.add_metric([topic, str(partition)], messages)
            if seconds is not None:
                age.add_metric([topic, str(partition)], seconds)
        return [lag, age]

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []  # collected lazily: the label sets change with the assignment


def build_info() -> dict[str, str]:
    return {"version": _version("storysift"), "faust": _version("faust-streaming"),
            "python": ".".join(map(str, sys.version_info[:3])),
            # "numpy" / "python": the C tree walk / text features / segmenter / guard scan were not
            # built or (segmenter, guard scan) not used (the same scores, blocks and verdicts, slower)
            "tree_walk": "compiled" if COMPILED_WALK else "numpy",
            "text_features": "compiled" if COMPILED_TEXT_FEATURES else "python",
            "segmenter": "compiled" if COMPILED_SEGMENTER else "python",
            "guard_scan": "compiled" if COMPILED_GUARD_SCAN else "python"}


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
