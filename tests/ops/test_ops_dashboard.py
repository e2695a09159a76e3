"""The Grafana dashboard and provisioning files: well formed, and every metric they or the alerts
name is one a worker exports (the Prometheus-backed test then runs the queries)."""

from __future__ import annotations

import yaml
from prometheus_client import CollectorRegistry

from consumers.metrics import Metrics
from consumers.pipeline import StageTimer
from ops_paths import DASHBOARD, GRAFANA_PROVISIONING
from ops_fakes import article
from ops_queries import alert_queries, dashboard, metric_names, panel_queries, panels

REQUIRED_PANELS = {  # what the issue asks the dashboard to show, by a word of each title
    "throughput", "lag", "stage latency", "rejections", "dead letters", "language", "topic", "story share",
    "workers", "restarts",
}


def exported_names() -> set[str]:
    """Sample names a worker's registry exposes (process_* included), histogram suffixes too."""
    metrics = Metrics(CollectorRegistry())
    metrics.set_lag("pages.raw", 0, 1)
    published = article()
    metrics.observe_outcome(published, StageTimer())
    metrics.observe_published(published, 0.5)
    names = set()
    for family in metrics.registry.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def test_panels_are_well_formed_and_cover_what_ops_asked_for():
    board = dashboard()
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    titles = " | ".join(p["title"].lower() for p in panels(board))
    missing = {word for word in REQUIRED_PANELS if word not in titles}
    assert not missing, f"no panel for {missing}"
    for panel in panels(board):
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"]), panel["title"]
    assert board["uid"] and board["templating"]["list"][0]["query"] == "prometheus"


def test_every_metric_named_in_dashboard_and_alerts_is_exported():
    exported = exported_names()
    for query in panel_queries() + alert_queries():
        unknown = metric_names(query.expr) - exported
        assert not unknown, f"{query.source} uses {unknown}, which no worker exports"


def test_provisioning_points_grafana_at_prometheus_and_the_dashboard_folder():
    [datasource] = yaml.safe_load((GRAFANA_PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    assert dashboard()["templating"]["list"][0]["current"]["value"] == datasource["uid"]
    [provider] = yaml.safe_load((GRAFANA_PROVISIONING / "dashboards" / "storysift.yml").read_text())["providers"]
    assert provider["type"] == "file"
    compose = yaml.safe_load((DASHBOARD.parents[3] / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts
