"""Every Prometheus metric of a worker, created against an injectable registry.

Units are seconds and bytes; counters end in `_total`; label values are bounded (never a URL).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from .pipeline import STAGES, StageTimer
from .pipeline.model import Article, Failed, Label, Outcome, Rejected

_STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_DELAY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, namespace: str = "storysift") -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        ns, reg = namespace, self.registry
        self.pages_consumed = Counter("pages_consumed_total", "Raw records consumed", namespace=ns, registry=reg)
        self.articles_published = Counter("articles_published_total", "Clean articles published",
                                          namespace=ns, registry=reg)
        self.rejections = Counter("rejections_total", "Pages rejected, by reason", ["reason"],
                                  namespace=ns, registry=reg)
        self.dead_letters = Counter("dead_letters_total", "Records dead-lettered, by error kind", ["error_kind"],
                                    namespace=ns, registry=reg)
        self.stage_seconds = Histogram("stage_seconds", "Processing time per pipeline stage", ["stage"],
                                       buckets=_STAGE_BUCKETS, namespace=ns, registry=reg)
        self.page_seconds = Histogram("page_seconds", "Processing time per page", buckets=_STAGE_BUCKETS,
                                      namespace=ns, registry=reg)
        self.end_to_end_delay = Histogram("end_to_end_delay_seconds",
                                          "Raw record timestamp to publication", buckets=_DELAY_BUCKETS,
                                          namespace=ns, registry=reg)
        self.paragraphs = Counter("paragraphs_total", "Paragraphs classified, by label", ["label"],
                                  namespace=ns, registry=reg)
        self.consumer_lag = Gauge("consumer_lag_messages", "High watermark minus position", ["topic", "partition"],
                                  namespace=ns, registry=reg)
        self.build = Info("build", "Build and version", namespace=ns, registry=reg)

    def observe_outcome(self, outcome: Outcome, timer: StageTimer) -> None:
        self.pages_consumed.inc()
        for stage in STAGES:
            if stage in timer.seconds:
                self.stage_seconds.labels(stage).observe(timer.seconds[stage])
        self.page_seconds.observe(sum(timer.seconds.values()))
        if isinstance(outcome, Article):
            story = len(outcome.story)
            self.paragraphs.labels(Label.STORY.value).inc(story)
            self.paragraphs.labels(Label.BOILERPLATE.value).inc(len(outcome.paragraphs) - story)
        elif isinstance(outcome, Rejected):
            self.rejections.labels(outcome.reason.value).inc()
        elif isinstance(outcome, Failed):
            self.dead_letters.labels(outcome.kind.value).inc()

    def observe_published(self, outcome: Outcome, delay_seconds: float | None) -> None:
        """Called once the output is acknowledged by the broker."""
        if isinstance(outcome, Article):
            self.articles_published.inc()
        if delay_seconds is not None and delay_seconds >= 0:
            self.end_to_end_delay.observe(delay_seconds)

    def set_lag(self, topic: str, partition: int, lag: int) -> None:
        self.consumer_lag.labels(topic, str(partition)).set(lag)
