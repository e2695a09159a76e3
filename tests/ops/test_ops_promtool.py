"""promtool on the shipped Prometheus config and alert rules, and unit tests of every alert."""

from __future__ import annotations

import subprocess

import yaml

from ops_paths import ALERT_RULES, JOB, PROMETHEUS_CONFIG, REPO, require_tool

SCENARIOS = REPO / "tests" / "ops" / "promtool" / "alert_scenarios.yml"


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([require_tool("promtool"), *args], capture_output=True, text=True, timeout=120)


def test_promtool_check_config_passes():
    result = promtool("check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_promtool_check_rules_passes():
    result = promtool("check", "rules", str(ALERT_RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_config_scrapes_the_job_the_rules_and_dashboard_name():
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    assert JOB in {job["job_name"] for job in config["scrape_configs"]}
    assert ALERT_RULES.name in config["rule_files"]


def test_every_alert_fires_in_its_scenario_and_stays_quiet_otherwise(tmp_path):
    """promtool test rules: annotations are stripped (their templates are checked by
    check rules), so a scenario states only when an alert fires and with which labels."""
    rules = yaml.safe_load(ALERT_RULES.read_text())
    alerts = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
            alerts.add(rule["alert"])
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    scenarios = yaml.safe_load(SCENARIOS.read_text())
    scenarios["rule_files"] = ["rules.yml"]
    tested = {case["alertname"] for test in scenarios["tests"] for case in test["alert_rule_test"]}
    assert tested == alerts, f"alerts without a scenario: {sorted(alerts - tested)}"
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(scenarios))
    result = promtool("test", "rules", str(tmp_path / "tests.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
