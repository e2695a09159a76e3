"""`storysift worker`: create topics, serve metrics, run the Faust worker until stopped."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ..broker_access import require_broker_access
from ..gc_policy import tune_for_pipeline
from ..log_throttle import throttle_library_logs
from ..malloc_policy import bound_heap
from ..metrics import Metrics
from ..redaction import install_secret_redaction
from ..settings import Settings
from .app import create_app
from .failpoints import Failpoints
from .gaps import KafkaOffsetSource, OffsetGuard
from .heartbeat import Heartbeat, PoisonLedger, SupervisedWatch
from .supervisor import heartbeat_path, ledger_path
from .topics import ensure_topics, partition_count, topic_specs

log = logging.getLogger(__name__)


def serve_metrics(settings: Settings, metrics: Metrics) -> Any:
    """Expose the worker's registry on settings.metrics_port (0 disables it)."""
    if settings.metrics_port <= 0:
        return None
    try:  # the ops endpoint (/metrics, /healthz, /readyz) when present
        from ..observability import start_metrics_server  # type: ignore[attr-defined]
    except ImportError:
        from prometheus_client import start_http_server

        return start_http_server(settings.metrics_port, registry=metrics.registry)
    return start_metrics_server(settings, metrics)


def match_raw_partitions(settings: Settings) -> Settings:
    """The dedup table is co-partitioned with the raw topic (an entry lives in its raw record's
    partition), so it must have as many partitions as the raw topic really has, whatever
    STORYSIFT_PARTITIONS says: a crawler team may have created the raw topic itself."""
    actual = partition_count(settings, settings.raw_topic)
    if actual is None or actual == settings.partitions:
        return settings
    log.warning("raw topic %s has %d partitions, STORYSIFT_PARTITIONS says %d: using %d",
                settings.raw_topic, actual, settings.partitions, actual)
    return replace(settings, partitions=actual)


def supervised_watch(settings: Settings) -> SupervisedWatch:
    """Reports the record in hand to the supervisor and skips the records it dead-lettered."""
    failpoints = Failpoints.parse(settings.failpoints)
    if failpoints.active:
        log.warning("failpoints are set (%s): this worker will hang or crash on marked records",
                    settings.failpoints)
    return SupervisedWatch(Heartbeat(heartbeat_path(settings)), PoisonLedger(ledger_path(settings)),
                           failpoints if failpoints.active else None)


def run_worker(settings: Settings, loglevel: str = "INFO") -> None:
    bound_heap()  # before the models and the first pages are allocated (consumers/malloc_policy.py)
    import faust

    install_secret_redaction(settings)  # libraries may log a password (aiokafka at DEBUG, SASL PLAIN)
    # Wrong credentials or TLS setup: one clear line and exit 78, not a retry loop in the log.
    require_broker_access(settings, "storysift worker")
    ensure_topics(settings, topic_specs(settings))
    settings = match_raw_partitions(settings)
    metrics = Metrics()
    serve_metrics(settings, metrics)
    streaming = create_app(settings, metrics, offset_guard=OffsetGuard(KafkaOffsetSource(settings)),
                           watch=supervised_watch(settings))
    tune_for_pipeline()
    throttle_library_logs()  # after create_app: the libraries' loggers exist once imported
    worker = faust.Worker(streaming.app, loglevel=loglevel, quiet=True)
    log.info("storysift worker: group %s, %s -> %s, metrics on :%s", settings.consumer_group,
             settings.raw_topic, settings.clean_topic, settings.metrics_port)
    worker.execute_from_commandline()
