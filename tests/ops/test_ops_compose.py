"""docker-compose.yml against the Compose Specification schema, and its settings against Settings.

The schema is the compose-spec JSON schema that check-jsonschema ships (vendored from
compose-spec/compose-spec, Apache-2.0). No Docker engine runs here, so this is the check.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
from dataclasses import fields

import jsonschema
import pytest
import yaml

from consumers.pipeline.model import Limits
from consumers.settings import Settings
from ops_paths import COMPOSE_FILE, DOCKERFILE, PROMETHEUS_CONFIG, REPO

# Settings the local path (deploy/run-local.sh) also sets away from the defaults: they differ
# by where things live, not by how the pipeline behaves.
LOCATION_SETTINGS = {"broker_url", "data_dir"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_compose_file_is_valid_against_the_compose_spec(compose, validator):
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_schema_check_rejects_a_broken_file(compose, validator):
    broken = copy.deepcopy(compose)
    broken["services"]["worker"]["depends_on"] = "topics"       # must be a list or a map
    broken["services"]["worker"]["scale_me"] = True             # unknown key
    assert len(list(validator.iter_errors(broken))) >= 2


def storysift_env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    return {k: str(v) for k, v in env.items() if k.startswith("STORYSIFT_")}


def test_compose_settings_are_settings_fields_and_match_the_local_path(compose):
    known = {f"STORYSIFT_{f.name.upper()}" for f in fields(Settings) if f.name != "limits"}
    known |= {f"STORYSIFT_{f.name.upper()}" for f in fields(Limits)}
    worker_env = storysift_env(compose["services"]["worker"])
    assert worker_env, "the worker takes no STORYSIFT_* settings"
    assert set(worker_env) <= known, f"not settings: {sorted(set(worker_env) - known)}"
    assert storysift_env(compose["services"]["topics"]) == worker_env, "topic init and workers disagree"
    parsed, defaults = Settings.from_env(worker_env), Settings()
    differing = {f.name for f in fields(Settings) if getattr(parsed, f.name) != getattr(defaults, f.name)}
    assert differing <= LOCATION_SETTINGS, f"compose changes behaviour the local path keeps: {differing}"
    assert parsed.broker_url.startswith("kafka://kafka:")


def test_workers_scale_and_prometheus_scrapes_their_port(compose):
    worker = compose["services"]["worker"]
    assert "ports" not in worker and "container_name" not in worker, "a host port or name blocks --scale"
    port = Settings.from_env(storysift_env(worker)).metrics_port
    assert str(port) in [str(p) for p in worker["expose"]]
    scrape = yaml.safe_load(PROMETHEUS_CONFIG.read_text())["scrape_configs"]
    [job] = [j for j in scrape if j["job_name"] == "storysift-worker"]
    assert job["dns_sd_configs"][0]["port"] == port and job["dns_sd_configs"][0]["names"] == ["worker"]


def test_every_long_running_service_has_a_health_check_and_mounts_exist(compose):
    services = compose["services"]
    assert services["topics"]["command"] == ["topics"] and services["worker"]["command"] == ["worker"]
    assert services["worker"]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    for name, service in services.items():
        if name != "topics":
            assert "healthcheck" in service, name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            assert (REPO / service["build"] / "Dockerfile").exists()


def test_kafka_image_is_the_official_one_pinned_to_the_local_version(compose):
    image = compose["services"]["kafka"]["image"]
    name, _, tag = image.partition(":")
    assert name == "apache/kafka" and re.fullmatch(r"\d+\.\d+\.\d+", tag), image
    pom = REPO / "deploy" / "kafka" / "pom.xml"
    if not pom.exists():
        pytest.skip("deploy/kafka/pom.xml not present: cannot compare with the local broker's version")
    text = pom.read_text()
    versions = set(re.findall(r"<kafka\.version>([^<]+)</kafka\.version>", text))
    versions |= set(re.findall(r"<artifactId>kafka_2\.13</artifactId>\s*<version>([^<$]+)</version>", text))
    assert versions == {tag}, f"compose runs Kafka {tag}, the local script {versions or 'an unknown version'}"
    env = compose["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", "KRaft, no ZooKeeper"


def local_broker_properties() -> dict[str, str]:
    """key=value lines of the server.properties that deploy/kafka/local-kafka.sh writes."""
    script = REPO / "deploy" / "kafka" / "local-kafka.sh"
    if not script.exists():
        pytest.skip("deploy/kafka/local-kafka.sh not present")
    block = re.search(r'cat >"\$PROPS" <<EOF\n(.*?)\nEOF', script.read_text(), re.S)
    assert block, "cannot find the server.properties heredoc in local-kafka.sh"
    pairs = (line.split("=", 1) for line in block.group(1).splitlines() if re.match(r"^[a-z][a-z.]*=", line))
    return {key: value for key, value in pairs if "$" not in value}


def test_compose_broker_matches_the_local_broker_where_both_set_a_property(compose):
    local = local_broker_properties()
    env = compose["services"]["kafka"]["environment"]
    compared = 0
    for name, value in env.items():
        key = name.removeprefix("KAFKA_").lower().replace("_", ".")
        if "listener" in key or "quorum" in key:
            continue  # networking differs by design: a container network, not the loopback
        if name.startswith("KAFKA_") and key in local:
            assert str(value).lower() == local[key].lower(), f"{name}={value}, local {key}={local[key]}"
            compared += 1
    assert compared >= 8, f"only {compared} broker properties compared"


def test_dockerfile_builds_the_package_on_python_311_slim_and_runs_the_worker():
    instructions = [line.split(None, 1) for line in DOCKERFILE.read_text().splitlines()
                    if line.strip() and not line.startswith((" ", "#"))]
    froms = [arg for op, arg in instructions if op == "FROM"]
    assert froms and all(f.split()[0] == "python:3.11-slim" for f in froms), froms
    final = {op: arg for op, arg in instructions}
    assert json.loads(final["ENTRYPOINT"]) == ["storysift"] and json.loads(final["CMD"]) == ["worker"]
    assert final["EXPOSE"].strip() == str(Settings().metrics_port)
    for op, arg in instructions:
        if op == "COPY" and not arg.startswith("--from"):
            for source in arg.split()[:-1]:
                assert (REPO / source).exists() or source == "README.md", f"COPY of missing {source}"
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert not {"consumers", "pyproject.toml", "setup.py", "README.md"} & ignored
    copied = {source for op, arg in instructions if op == "COPY" for source in arg.split()[:-1]}
    assert "setup.py" in copied, "setup.py builds the C tree walk, text features and segmenter"
    assert "COMPILED_WALK" in DOCKERFILE.read_text(), "the image checks that the tree walk was compiled"
    assert "COMPILED_TEXT_FEATURES" in DOCKERFILE.read_text(), "the image checks that the text features were compiled"
    assert "COMPILED_SEGMENTER" in DOCKERFILE.read_text(), "the image checks that the segmenter was compiled"
    assert "COMPILED_GUARD_SCAN" in DOCKERFILE.read_text(), "the image checks that the guard scan was compiled"
