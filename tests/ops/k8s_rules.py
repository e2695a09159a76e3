"""deploy/prometheus/alerts.yml as a Prometheus Operator PrometheusRule (deploy/k8s/prometheusrule.yaml).

Regenerate after editing the alerts:  .venv/bin/python tests/ops/k8s_rules.py > deploy/k8s/prometheusrule.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ALERTS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"
HEADER = """\
# GENERATED from deploy/prometheus/alerts.yml by tests/ops/k8s_rules.py (a test fails when they
# differ). The Prometheus Operator loads PrometheusRule objects matching its ruleSelector: add
# that selector's labels here. Runbook: docs/operations.md, "Alerts".
"""


def prometheus_rule() -> dict:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": "storysift-alerts",
                         "labels": {"app.kubernetes.io/name": "storysift", "app.kubernetes.io/component": "worker"}},
            "spec": yaml.safe_load(ALERTS.read_text())}


def render() -> str:
    return HEADER + yaml.safe_dump(prometheus_rule(), sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
