"""Fault 4: the output topic disappears while a worker runs (deleted by mistake, a broker that
refuses writes). The worker must keep retrying, report it in its metrics and log, commit nothing
past what was published, and finish by itself once the topic is back."""

from __future__ import annotations

import time
from dataclasses import replace

from fault_checks import check_at_least_once
from kafka_helpers import (OutcomeReader, WorkerProcess, committed_offsets, create_topics, produce,
                           scrape_metrics, wait_for_log)
from page_factory import article_page

from consumers.streaming.topics import ensure_topics, topic_specs

PAGES = 1000
BLOCKED_SECONDS = 15


def delete_topic(settings, topic: str) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    for future in admin.delete_topics([topic], operation_timeout=30).values():
        future.result(30)


def test_output_topic_unavailable_blocks_commits_and_recovers(settings, tmp_path):
    settings = replace(settings, publish_timeout_seconds=4.0)
    run = settings.consumer_group
    create_topics(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    reader = None
    try:
        assert wait_for_log(worker, "Worker ready", timeout=60), worker.log_tail()
        delete_topic(settings, settings.clean_topic)
        produced = produce(settings, [article_page(run, i) for i in range(PAGES)])
        time.sleep(BLOCKED_SECONDS)

        blocked = scrape_metrics(settings)
        failures = sum(v for k, v in blocked.items() if k.startswith("storysift_publish_failures_total"))
        assert failures > 0, "failed publish attempts are not in the metrics"
        assert blocked["storysift_publish_unacknowledged_records"] > 0
        assert blocked["storysift_articles_published_total"] == 0
        assert committed_offsets(settings) in ({}, {p: 0 for p in range(settings.partitions)}), \
            "offsets were committed while nothing could be published"
        assert "records not acknowledged, retrying" in worker.log_path.read_text(errors="replace")

        ensure_topics(settings, [s for s in topic_specs(settings) if s.name == settings.clean_topic])
        reader = OutcomeReader(settings)
        done = reader.wait_until(lambda r: len(r.sources()) >= PAGES, timeout=120)
        assert done, f"{len(reader.sources())}/{PAGES} outcomes after the topic came back\n{worker.log_tail()}"
        assert worker.alive(), "the worker died instead of retrying"
        reader.poll(1.0)
        recovered = scrape_metrics(settings)
    finally:
        worker.stop()
        if reader is not None:
            reader.close()
    assert recovered["storysift_publish_unacknowledged_records"] == 0
    figures = check_at_least_once(settings, produced, reader.outputs)
    print(f"\noutput topic deleted for {BLOCKED_SECONDS}s+: {figures}, failed attempts counted: {failures:.0f}")
