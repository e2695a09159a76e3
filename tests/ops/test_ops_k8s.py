"""deploy/k8s against the Kubernetes schemas (kubernetes-validate, strict: unknown fields fail),
the two custom resources against k8s_crd_schemas, and the manifests against each other."""

from __future__ import annotations

import copy
from dataclasses import fields

import jsonschema
import kubernetes_validate
import pytest
import yaml

from consumers.settings import Settings
from k8s_crd_schemas import CUSTOM_SCHEMAS, KAFKA_TRIGGER_KEYS
from k8s_rules import render
from ops_paths import JOB, K8S

# The oldest Kubernetes release still commonly run, and the newest the package bundles.
VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())


def manifests() -> dict[str, dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found[document["kind"]] = document
    return found


def validate(document: dict, version: str) -> None:
    custom = CUSTOM_SCHEMAS.get((document["apiVersion"], document["kind"]))
    if custom is not None:
        jsonschema.validate(document, custom)
    else:
        kubernetes_validate.validate(document, version, strict=True)


def test_every_expected_resource_is_there():
    assert set(manifests()) == {"ConfigMap", "Deployment", "Service", "PodMonitor", "PodDisruptionBudget",
                                "ScaledObject", "PrometheusRule"}


def test_the_prometheus_rule_is_the_alert_file():
    assert (K8S / "prometheusrule.yaml").read_text() == render(), \
        "deploy/k8s/prometheusrule.yaml is stale: python tests/ops/k8s_rules.py > deploy/k8s/prometheusrule.yaml"


@pytest.mark.parametrize("version", VERSIONS)
def test_manifests_validate_against_the_kubernetes_schemas(version):
    for kind, document in manifests().items():
        try:
            validate(document, version)
        except (kubernetes_validate.ValidationError, jsonschema.ValidationError) as error:
            path = ".".join(map(str, error.path))
            pytest.fail(f"{kind} {path}: {error.message}")


def test_validation_catches_a_typo():
    deployment = copy.deepcopy(manifests()["Deployment"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment, VERSIONS[-1])
    scaled = copy.deepcopy(manifests()["ScaledObject"])
    scaled["spec"]["maxReplicas"] = 4
    with pytest.raises(jsonschema.ValidationError):
        validate(scaled, VERSIONS[-1])


def test_settings_probes_and_scrape_agree():
    docs = manifests()
    env = docs["ConfigMap"]["data"]
    known = {f"STORYSIFT_{f.name.upper()}" for f in fields(Settings)}
    assert set(env) <= known, f"not settings: {sorted(set(env) - known)}"
    settings = Settings.from_env(env)
    [container] = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["worker"]
    [port] = container["ports"]
    assert port["containerPort"] == settings.metrics_port and port["name"] == "metrics"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    [endpoint] = docs["PodMonitor"]["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert {"targetLabel": "job", "replacement": JOB} in endpoint["relabelings"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert settings.data_dir in mounts, "the data dir must be writable with a read-only root"


def test_selectors_match_the_pod_labels():
    docs = manifests()
    labels = docs["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for kind, selector in [("Deployment", docs["Deployment"]["spec"]["selector"]["matchLabels"]),
                           ("Service", docs["Service"]["spec"]["selector"]),
                           ("PodMonitor", docs["PodMonitor"]["spec"]["selector"]["matchLabels"]),
                           ("PodDisruptionBudget", docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"])]:
        assert selector.items() <= labels.items(), kind


def test_lag_autoscaling_never_exceeds_the_partitions():
    docs = manifests()
    settings = Settings.from_env(docs["ConfigMap"]["data"])
    spec = docs["ScaledObject"]["spec"]
    assert spec["scaleTargetRef"]["name"] == docs["Deployment"]["metadata"]["name"]
    assert "replicas" not in docs["Deployment"]["spec"], "KEDA owns the replica count"
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= settings.partitions
    [trigger] = spec["triggers"]
    meta = trigger["metadata"]
    assert trigger["type"] == "kafka" and set(meta) <= KAFKA_TRIGGER_KEYS
    assert meta["consumerGroup"] == settings.consumer_group and meta["topic"] == settings.raw_topic
    assert meta["bootstrapServers"] == settings.bootstrap_servers
    assert meta["allowIdleConsumers"] == "false"
