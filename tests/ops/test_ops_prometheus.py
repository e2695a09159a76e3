"""The proof: a real Prometheus scrapes a real worker processing real pages from the real broker,
then every dashboard panel query must return data and every alert expression must evaluate.

The queries are read from deploy/grafana/dashboards/storysift.json and deploy/prometheus/alerts.yml;
Prometheus runs the shipped prometheus.yml with the worker job pointed at the test worker.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter

import orjson
import pytest
from confluent_kafka.admin import AdminClient

from consumers.replay import records_in
from kafka_helpers import OutcomeReader, WorkerProcess, create_topics, free_port, produce, unique_settings
from ops_paths import INSTALL_HINT, JOB, REPO
from ops_queries import alert_queries, panel_queries, substitute
from page_factory import article_page
from prometheus_server import PrometheusServer, config_for

PROMETHEUS = shutil.which("prometheus")
# A module-level skip, so a machine without Prometheus does not start a broker for nothing.
pytestmark = [pytest.mark.kafka, pytest.mark.prometheus,
              pytest.mark.skipif(PROMETHEUS is None, reason=f"prometheus not found on PATH: {INSTALL_HINT}")]

SAMPLES = REPO / "samples"
GENERATED_PAGES = 24
FIRST_BATCH = 4
WINDOW = "1m"   # what Grafana's $__rate_interval becomes: many 1 s scrapes of the whole run


def raw_records(run: str) -> list[bytes]:
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".html", ".txt", ".jsonl"))
    records = list(records_in(samples, base_url="https://samples.storysift.example/pages"))
    records += [article_page(run, i) for i in range(GENERATED_PAGES)]
    records += [b"{not json", article_page(run, 0)]  # a dead letter, then a duplicate of page 0
    return records


def test_dashboard_queries_return_data_and_alerts_evaluate_on_a_real_prometheus(kafka_bootstrap, tmp_path):
    settings = unique_settings(kafka_bootstrap, tmp_path, metrics_port=free_port())
    create_topics(settings)
    records = raw_records(settings.consumer_group)
    first, rest = records[:FIRST_BATCH], records[FIRST_BATCH:]
    prometheus = PrometheusServer(PROMETHEUS, tmp_path, free_port(),
                                  config_for(f"127.0.0.1:{settings.metrics_port}"))
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    wait_for_topics(settings)
    reader = OutcomeReader(settings)
    try:
        prometheus.start()
        worker.start()
        # Prometheus must see the counters move (rate() ignores what happened before its
        # first sample): a first batch, then the rest once scrapes are running.
        produced = produce(settings, first)
        wait_for_pages(prometheus, worker, len(produced))
        produced += produce(settings, rest)
        everything = reader.wait_until(lambda r: len(r.sources()) >= len(produced), timeout=180,
                                       while_waiting=lambda: fail_if_dead(worker))
        assert everything, f"{len(reader.sources())}/{len(produced)} outcomes\n{worker.log_tail()}"
        wait_for_pages(prometheus, worker, len(produced))
        # lag is sampled every few seconds; let a few scrapes and rule evaluations follow it
        lag_series = prometheus.wait_for("count(storysift_consumer_lag_messages)",
                                         lambda v: v == settings.partitions, 60)
        assert lag_series == settings.partitions, f"lag reported for {lag_series} partitions"
        wait_for_rule_evaluations(prometheus)
        check_counts(prometheus, reader, len(produced))
        check_panels(prometheus)
        check_alerts(prometheus)
    finally:
        prometheus.stop()
        worker.stop()
        reader.close()


def wait_for_topics(settings, timeout: float = 30.0) -> None:
    """A just-created topic can be missing from metadata for a moment on a fresh broker."""
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    wanted = {settings.raw_topic, settings.clean_topic, settings.rejections_topic, settings.dead_letter_topic}
    deadline = time.monotonic() + timeout
    while not wanted <= set(admin.list_topics(timeout=10).topics):
        assert time.monotonic() < deadline, f"topics not visible after {timeout}s"
        time.sleep(0.3)


def wait_for_pages(prometheus: PrometheusServer, worker: WorkerProcess, count: int) -> None:
    seen = prometheus.wait_for("sum(storysift_pages_consumed_total)", lambda v: v >= count, 120)
    assert seen == count, f"Prometheus saw {seen} of {count} pages\n{worker.log_tail()}\n{prometheus.log_tail()}"


def fail_if_dead(worker: WorkerProcess) -> None:
    if not worker.alive():
        pytest.fail(f"the worker exited early:\n{worker.log_tail()}")


def check_counts(prometheus: PrometheusServer, reader: OutcomeReader, produced: int) -> None:
    """What the panels show must be what happened (the outcomes read back from Kafka)."""
    assert prometheus.scalar(f'count(up{{job="{JOB}"}} == 1)') == 1
    assert prometheus.scalar("sum(storysift_worker_ready)") == 1
    articles = sum(o.topic == reader.settings.clean_topic for o in reader.outputs)
    assert articles >= 1, "no article published: the language, topic and length panels would be empty"
    assert prometheus.scalar("sum(storysift_articles_published_total)") == articles
    assert prometheus.scalar("sum(storysift_articles_by_language_total)") == articles
    reasons = Counter(o.value["reason"] for o in reader.outputs if o.topic == reader.settings.rejections_topic)
    for reason, count in reasons.items():
        assert prometheus.scalar(f'sum(storysift_rejections_total{{reason="{reason}"}})') == count, reason
    assert prometheus.scalar("sum(storysift_rejections_total)") == sum(reasons.values())
    kinds = Counter(o.value["error_kind"] for o in reader.outputs if o.topic == reader.settings.dead_letter_topic)
    assert kinds["invalid_json"] >= 1
    for kind, count in kinds.items():
        assert prometheus.scalar(f'sum(storysift_dead_letters_total{{error_kind="{kind}"}})') == count, kind
    assert prometheus.scalar("sum(storysift_end_to_end_delay_seconds_count)") == produced
    assert prometheus.scalar('sum(storysift_stage_seconds_count{stage="classify"})') >= articles


def check_panels(prometheus: PrometheusServer) -> None:
    queries = panel_queries()
    assert len(queries) >= 20
    failures = []
    for query in queries:
        result = prometheus.query(substitute(query.expr, WINDOW))
        if result.get("status") != "success":
            failures.append(f"{query.source}: {result.get('errorType')}: {result.get('error')}")
        elif not result["data"]["result"]:
            failures.append(f"{query.source}: no data for {query.expr}")
        elif all(row["value"][1] == "NaN" for row in result["data"]["result"]):
            failures.append(f"{query.source}: only NaN (nothing observed in the window) for {query.expr}")
        else:  # shown with `pytest -s`: what each panel would draw right now
            rows = result["data"]["result"]
            print(f"{query.source}: {len(rows)} series, first {rows[0]['metric']} = {rows[0]['value'][1]}")
    assert not failures, "\n".join(failures)


def check_alerts(prometheus: PrometheusServer) -> None:
    queries = alert_queries()
    failures = []
    for query in queries:
        result = prometheus.query(query.expr)
        if result.get("status") != "success":
            failures.append(f"{query.source}: {result.get('errorType')}: {result.get('error')}")
    rules = [rule for group in prometheus.api("rules")["data"]["groups"] for rule in group["rules"]]
    assert {f"alert {r['name']}" for r in rules} == {q.source for q in queries}
    failures += [f"rule {r['name']}: health {r['health']} {r.get('lastError', '')}" for r in rules
                 if r["health"] != "ok"]
    assert not failures, "\n".join(failures)
    firing = [a["labels"]["alertname"] for a in prometheus.api("alerts")["data"]["alerts"]
              if a["state"] == "firing"]
    assert not firing, f"a healthy run fired {firing}"


def wait_for_rule_evaluations(prometheus: PrometheusServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        groups = prometheus.api("rules").get("data", {}).get("groups", [])
        rules = [rule for group in groups for rule in group["rules"]]
        if rules and all(r.get("lastEvaluation", "").startswith("2") for r in rules):
            return
        time.sleep(0.5)
    pytest.fail(f"rules not evaluated within {timeout}s: {orjson.dumps(groups)[:500]!r}")
