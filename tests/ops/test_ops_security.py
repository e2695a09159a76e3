"""The image runs as a non-root user, no secret is baked into the image or the deploy files, and
the ops endpoint shows nothing about credentials."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import fields, replace

import yaml
from prometheus_client import CollectorRegistry

from consumers.metrics import Metrics
from consumers.observability import start_metrics_server
from consumers.settings import SECRET_FIELDS, Settings, env_name
from ops_paths import COMPOSE_FILE, DOCKERFILE, K8S

SECRET = "hunter2-never-shown"
SECRET_VARIABLES = {env_name(name) for name in SECRET_FIELDS}


def final_stage() -> list[tuple[str, str]]:
    """(instruction, argument) of the Dockerfile's last stage, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = [tuple(line.split(None, 1)) for line in text.splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
    last_from = max(i for i, (op, _) in enumerate(instructions) if op.upper() == "FROM")
    return [(op.upper(), arg.strip()) for op, arg in instructions[last_from:]]


def test_the_image_runs_as_a_numeric_non_root_user_it_creates():
    stage = final_stage()
    users = [arg for op, arg in stage if op == "USER"]
    assert users, "the final stage never leaves root"
    runtime_user = users[-1].split(":")[0]
    # Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    assert runtime_user.isdigit() and int(runtime_user) != 0, runtime_user
    [creation] = [arg for op, arg in stage if op == "RUN" and "useradd" in arg]
    assert f"--uid {runtime_user}" in creation
    last_user_at = max(i for i, (op, _) in enumerate(stage) if op == "USER")
    assert stage[-1][0] == "CMD" and all(op != "RUN" for op, _ in stage[last_user_at:]), \
        "nothing may run as root after the switch"


def test_kubernetes_pins_the_same_non_root_user():
    runtime_user = [arg for op, arg in final_stage() if op == "USER"][-1]
    deployment = yaml.safe_load((K8S / "deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == runtime_user
    [container] = pod["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_no_secret_is_baked_into_the_image_or_written_in_deploy_files():
    env_lines = " ".join(arg for op, arg in final_stage() if op in ("ENV", "ARG"))
    assert not [name for name in SECRET_VARIABLES if name in env_lines]
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        assert not SECRET_VARIABLES & set(environment), f"{name}: secrets belong in a file or a secret store"
    configmap = yaml.safe_load((K8S / "configmap.yaml").read_text())
    assert not SECRET_VARIABLES & set(configmap["data"]), "the ConfigMap is not for secrets"


def get(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()


def test_the_ops_endpoint_shows_nothing_about_credentials(tmp_path):
    for name in ("ca.pem", "client.crt", "client.key"):
        (tmp_path / name).write_text("x")
    settings = replace(Settings(security_protocol="SASL_SSL", sasl_username="ingest-user", sasl_password=SECRET,
                                ssl_ca_file=str(tmp_path / "ca.pem"), ssl_cert_file=str(tmp_path / "client.crt"),
                                ssl_key_file=str(tmp_path / "client.key"), ssl_key_password="k-" + SECRET),
                       metrics_port=0)
    metrics = Metrics(CollectorRegistry())
    metrics.pages_consumed.inc(2)
    metrics.set_lag("pages.raw", 0, 5)
    server = start_metrics_server(settings, metrics, host="127.0.0.1")
    try:
        bodies = {path: get(server.port, path) for path in ("/metrics", "/healthz", "/readyz", "/nothing")}
    finally:
        server.close()
    assert "storysift_pages_consumed_total 2.0" in bodies["/metrics"]
    shown = "\n".join(bodies.values())
    for value in (SECRET, "ingest-user", str(tmp_path)):
        assert value not in shown
    for field in fields(Settings):  # no security setting's value is exported under any name
        if field.name.startswith(("sasl_", "ssl_")) and isinstance(getattr(settings, field.name), str):
            assert not getattr(settings, field.name) or getattr(settings, field.name) not in shown
