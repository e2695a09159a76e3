"""Produce N raw pages, run one `storysift worker`, read N outcomes: keys, content, nothing missing."""

from __future__ import annotations

import time
from collections import Counter

import orjson

from consumers.pipeline.ids import article_id
from kafka_helpers import OutcomeReader, WorkerProcess, create_topics, metrics_text, produce
from page_factory import article_page, article_url, story_sentence

PAGES = 40


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_every_raw_page_yields_one_outcome_with_stable_keys_and_content(settings, tmp_path):
    run = settings.consumer_group
    create_topics(settings)
    pages = [article_page(run, i) for i in range(PAGES)]
    extras = [b"{not json", article_page(run, 0)]  # a dead letter, then an exact duplicate of page 0
    produced = produce(settings, pages + extras)
    reader = OutcomeReader(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    try:
        everything = reader.wait_until(lambda r: len(r.sources()) >= len(produced), timeout=120)
        assert everything, f"{len(reader.sources())}/{len(produced)} outcomes\n{worker.log_tail()}"
        exported = ""
        for _ in range(30):  # lag is sampled every few seconds
            exported = metrics_text(settings.metrics_port)
            if metric(exported, "storysift_consumer_lag_messages") is not None:
                break
            time.sleep(0.5)
    finally:
        worker.stop()
        reader.poll(1.0)
        reader.close()

    by_source = {}
    for output in reader.outputs:
        by_source.setdefault(output.source, []).append(output)
    assert set(by_source) == {(p.partition, p.offset) for p in produced}
    assert max(len(v) for v in by_source.values()) == 1, "a single worker without faults duplicated output"

    for index, landed in enumerate(produced[:PAGES]):
        [output] = by_source[(landed.partition, landed.offset)]
        url = article_url(run, index)
        assert output.topic == settings.clean_topic, output.value
        assert output.key == article_id(url).encode() == landed.key
        assert output.value["url"] == url
        assert story_sentence(index) in output.value["text"]
        assert "Privacy" not in output.value["text"]
        assert output.headers["trace_id"].decode() == landed.trace_id

    [dead] = by_source[(produced[PAGES].partition, produced[PAGES].offset)]
    assert dead.topic == settings.dead_letter_topic and dead.value["error_kind"] == "invalid_json"
    [duplicate] = by_source[(produced[PAGES + 1].partition, produced[PAGES + 1].offset)]
    assert duplicate.topic == settings.rejections_topic and duplicate.value["reason"] == "duplicate"
    assert duplicate.key == produced[0].key

    assert metric(exported, "storysift_pages_consumed_total") == len(produced)
    assert metric(exported, "storysift_articles_published_total") == PAGES
    assert metric(exported, "storysift_consumer_lag_messages") is not None
    partitions = Counter(p.partition for p in produced)
    assert len(partitions) > 1, "pages should spread over the partitions by key"


def test_per_language_topics_are_created_with_the_configured_partitions(settings, tmp_path):
    from dataclasses import replace

    from confluent_kafka.admin import AdminClient

    settings = replace(settings, per_language_topics=True)
    run = settings.consumer_group
    create_topics(settings)
    produced = produce(settings, [article_page(run, i) for i in range(5)])
    reader = OutcomeReader(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    try:
        assert reader.wait_until(lambda r: len(r.sources()) >= len(produced), timeout=120), worker.log_tail()
    finally:
        worker.stop()
        reader.close()
    topic = f"{settings.clean_topic}.en"
    metadata = AdminClient({"bootstrap.servers": settings.bootstrap_servers}).list_topics(timeout=10).topics
    assert topic in metadata and len(metadata[topic].partitions) == settings.partitions
    language_reader = OutcomeReader(replace(settings, clean_topic=topic))
    language_reader.poll(3.0)
    language_reader.close()
    assert {o.key for o in language_reader.outputs if o.topic == topic} == {p.key for p in produced}
