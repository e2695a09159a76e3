"""The PromQL the ops files hold, read from the files themselves (never restated in tests)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from ops_paths import ALERT_RULES, DASHBOARD

# Grafana's interval variables, replaced the way Grafana would for a short test window.
GRAFANA_INTERVALS = ("$__rate_interval", "$__interval", "$__range")
METRIC_NAME = re.compile(r"\b((?:storysift|process|python)_[a-z_]+)\b")


@dataclass(frozen=True)
class Query:
    source: str   # "panel <title> <refId>" or "alert <name>"
    expr: str


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(board: dict | None = None) -> list[dict]:
    found = []
    for panel in (board or dashboard())["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))  # collapsed rows nest their panels
    return found


def panel_queries() -> list[Query]:
    return [Query(f"panel {p['title']!r} {t['refId']}", t["expr"])
            for p in panels() if p["type"] != "row" for t in p.get("targets", [])]


def alert_queries() -> list[Query]:
    groups = yaml.safe_load(ALERT_RULES.read_text())["groups"]
    return [Query(f"alert {rule.get('alert') or rule.get('record')}", rule["expr"].strip())
            for group in groups for rule in group["rules"]]


def substitute(expr: str, window: str) -> str:
    for variable in GRAFANA_INTERVALS:
        expr = expr.replace(variable, window)
    assert "$" not in expr, f"unresolved variable in {expr}"
    return expr


def metric_names(expr: str) -> set[str]:
    return set(METRIC_NAME.findall(expr))
