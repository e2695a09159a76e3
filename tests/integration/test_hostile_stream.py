"""Good pages and the whole hostile corpus through a real worker on the real broker.

Accounting: every raw offset produced exactly one outcome (clean article, rejection or dead
letter) once copies from redelivery are collapsed, the one its corpus case names, valid against
its schema; dead letters carry the produced bytes and their source; the worker is alive at the
end. A record over the topics' 16 MiB `max.message.bytes` never reaches the broker: the
producer refuses it, so the crawler sees the error at produce time (checked here too).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

from confluent_kafka import KafkaError, Producer
from jsonschema import Draft202012Validator

from consumers.replay import page_for, producer_config
from consumers.streaming.topics import MAX_MESSAGE_BYTES
from kafka_helpers import OutcomeReader, WorkerProcess, create_topics, settings_env
from page_factory import article_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from corpus import cases  # noqa: E402

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SCHEMA_OF_KIND = {"article": "article", "rejection": "rejection", "dead_letter": "dead-letter"}
GOOD_PAGES = 20
CORPUS_URL = b"news.example.org/2026/11/bridge-repairs"
# Outcomes must not depend on how loaded the shared machine is: a generous per-page limit
# (the timeout path is tested offline).
WORKER_MAX_SECONDS = "120"


class HostileWorker(WorkerProcess):
    """The helpers' worker, with the page time limit raised through the environment."""

    def start(self) -> "HostileWorker":
        env = dict(settings_env(self.settings), STORYSIFT_MAX_SECONDS=WORKER_MAX_SECONDS)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "consumers.cli", "worker", "--loglevel", "INFO"],
                                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self


def produce_all(settings, records: list[bytes]) -> list[tuple[int, int] | KafkaError]:
    """Publish each record as a crawler would; (partition, offset) or the delivery error, in order."""
    producer = Producer(producer_config(settings))
    landed: dict[int, tuple[int, int] | KafkaError] = {}
    for index, record in enumerate(records):
        page = page_for(record, trace_id=f"hostile-{index}")
        assert page.value == record

        def delivered(error, message, index=index):
            landed[index] = error if error is not None else (message.partition(), message.offset())

        try:
            producer.produce(settings.raw_topic, page.value, page.key, headers=list(page.headers),
                             on_delivery=delivered)
        except Exception as exc:  # noqa: BLE001 - a local refusal (too large) is an outcome here
            landed[index] = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else exc
        producer.poll(0)
    assert producer.flush(120) == 0
    return [landed[i] for i in range(len(records))]


def slowest_page_bucket(port: int) -> str:
    """The narrowest histogram bucket holding the slowest page (storysift_page_seconds)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    buckets = []
    for line in text.splitlines():
        if line.startswith("storysift_page_seconds_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(le), float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1]
    previous = 0.0
    for le, count in buckets:
        if count >= total:
            return f"between {previous} s and {le} s ({int(total)} pages)"
        previous = le
    return "unknown"


def test_hostile_corpus_through_a_worker(settings, tmp_path, capsys):
    run = uuid.uuid4().hex[:8]
    create_topics(settings)
    validators = {kind: Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))
                  for kind, name in SCHEMA_OF_KIND.items()}
    corpus = [(case, case.build().replace(CORPUS_URL, f"news.example.org/{run}/{case.name}".encode()))
              for case in cases()]
    # Good pages interleaved with the corpus, so hostile records sit between ordinary ones.
    expected: list[tuple[str, frozenset[str], str]] = []
    records: list[bytes] = []
    for index, (case, raw) in enumerate(corpus):
        if index < GOOD_PAGES:
            records.append(article_page(run, index))
            expected.append(("article", frozenset(), f"good page {index}"))
        records.append(raw)
        expected.append((case.kind, case.reasons, case.name))

    landed = produce_all(settings, records)
    refused = [expected[i][2] for i, where in enumerate(landed) if not isinstance(where, tuple)]
    for index, where in enumerate(landed):
        if not isinstance(where, tuple):
            assert len(records[index]) > MAX_MESSAGE_BYTES, (expected[index][2], where)
            assert isinstance(where, KafkaError) and where.code() == KafkaError.MSG_SIZE_TOO_LARGE, where
    assert refused == ["record_30mb"]
    sent = {where: i for i, where in enumerate(landed) if isinstance(where, tuple)}

    reader = OutcomeReader(settings)
    worker = HostileWorker(settings, tmp_path / "worker.log").start()
    try:
        def still_alive() -> None:
            assert worker.alive(), f"the worker died\n{worker.log_tail(80)}"

        done = reader.wait_until(lambda r: set(sent) <= r.sources(), timeout=600, while_waiting=still_alive)
        assert done, f"{len(set(sent) & reader.sources())}/{len(sent)} outcomes\n{worker.log_tail()}"
        assert worker.alive(), worker.log_tail()
        slowest = slowest_page_bucket(settings.metrics_port)
    finally:
        worker.stop()
        reader.poll(1.0)
        reader.close()

    by_source = defaultdict(list)
    for output in reader.outputs:
        by_source[output.source].append(output)
    assert set(by_source) == set(sent), "outputs for offsets nobody produced"
    redelivered = 0
    mismatches = []
    for source, index in sent.items():
        copies = by_source[source]
        first = copies[0]
        # Copies from redelivery must be the same outcome (same topic, key and kind).
        assert {(c.topic, c.key, c.value["kind"]) for c in copies} == {(first.topic, first.key, first.value["kind"])}
        redelivered += len(copies) - 1
        kind, reasons, name = expected[index]
        reason = first.value.get("reason") or first.value.get("error_kind") or ""
        if first.value["kind"] != kind or (reasons and reason not in reasons):
            mismatches.append(f"{name}: got {first.value['kind']}:{reason} "
                              f"({first.value.get('detail') or first.value.get('error_message')}), "
                              f"expected {kind}:{sorted(reasons)}")
            continue
        assert [e.message for e in validators[kind].iter_errors(first.value)] == [], name
        assert first.topic == {"article": settings.clean_topic, "rejection": settings.rejections_topic,
                               "dead_letter": settings.dead_letter_topic}[kind]
        assert first.headers["trace_id"] == f"hostile-{index}".encode(), name
        if kind == "dead_letter":
            kept = base64.b64decode(first.value["original_base64"])
            assert kept == (records[index][:len(kept)] if first.value["original_truncated"] else records[index]), name
            assert first.value["original_sha256"] == hashlib.sha256(records[index]).hexdigest(), name
            assert (first.value["source"]["topic"], first.value["source"]["partition"],
                    first.value["source"]["offset"]) == (settings.raw_topic, *source)
    counts = defaultdict(int)
    for source in sent:
        counts[by_source[source][0].value["kind"]] += 1
    largest = max(len(records[i]) for i in sent.values())
    with capsys.disabled():
        print(f"\nhostile stream: {len(records)} records ({len(corpus)} corpus cases, {GOOD_PAGES} good pages), "
              f"{len(sent)} accepted by the broker (largest {largest / 2**20:.1f} MiB), refused at produce time: "
              f"{refused}; outcomes {dict(counts)}; copies from redelivery: {redelivered}; slowest page {slowest}")
    assert not mismatches, "\n".join(mismatches)
