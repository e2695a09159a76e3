"""TLS and SASL on a real broker: a throwaway broker (own ports and data dir) started by
deploy/kafka/local-kafka.sh with its SASL_PLAINTEXT (SCRAM), SASL_SSL (SCRAM, PLAIN) and SSL
(client certificate required) listeners beside the PLAINTEXT one.

- a `storysift worker` with the right credentials (password from a file) processes pages end to
  end, with SCRAM-SHA-512, and with PLAIN over TLS at DEBUG level (where aiokafka logs the login
  request that holds the password); the password shows nowhere: not in its log, not on /metrics,
  not in outputs;
- with a wrong password it stops within seconds with one clear line and exit code 78, instead
  of retrying in a loop that floods the log;
- both client libraries (confluent-kafka and Faust's aiokafka) connect with every mechanism over
  TLS and with a client certificate, and are refused without the CA, without the certificate,
  with a wrong password or mechanism, and with an address the broker certificate does not name.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaConnectionError

from consumers.broker_access import BrokerAccessDenied, Refusal, check_broker_access
from consumers.kafka_config import aiokafka_security
from consumers.redaction import SecretRedaction, secrets_of
from consumers.replay import run_replay
from consumers.settings import EXIT_CONFIG, SecurityProtocol, Settings
from consumers.tail import run_tail
from kafka_helpers import OutcomeReader, broker_reachable, create_topics, free_port, metrics_text, produce, \
    settings_env, unique_settings
from page_factory import article_page, story_sentence

REPO = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = Path(os.environ.get("STORYSIFT_KAFKA_SCRIPT", REPO / "deploy" / "kafka" / "local-kafka.sh"))
USER = "storysift-it"
PAGES = 6


@dataclass(frozen=True)
class SecureBroker:
    plaintext: str
    sasl: str
    sasl_ssl: str
    ssl: str
    tls_dir: Path
    password: str
    password_file: Path

    def settings(self, tmp_path: Path, bootstrap: str, **security) -> Settings:
        """Unique topics and group, reaching the broker at `bootstrap` with `security`."""
        return unique_settings(self.plaintext, tmp_path, broker_url=f"kafka://{bootstrap}", **security)

    def scram(self, bootstrap: str, **overrides) -> dict:
        security = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                        sasl_username=USER, sasl_password=self.password)
        if bootstrap == self.sasl_ssl:
            security.update(security_protocol="SASL_SSL", ssl_ca_file=str(self.tls_dir / "ca.pem"))
        return {**security, **overrides}


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory):
    data = tmp_path_factory.mktemp("secure-broker")
    password = f"it-{uuid.uuid4().hex}"  # unique: finding it anywhere cannot be a coincidence
    password_file = data / "scram-password"
    password_file.write_text(password + "\n")
    ports = {name: free_port() for name in ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "KAFKA_SASL_PORT",
                                            "KAFKA_SASL_SSL_PORT", "KAFKA_SSL_PORT")}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "STORYSIFT_KAFKA_DATA": str(data / "broker"),
           "KAFKA_HEAP": "384m", "KAFKA_SCRAM_USER": USER, "KAFKA_SCRAM_PASSWORD_FILE": str(password_file)}
    env.pop("KAFKA_SCRAM_PASSWORD", None)
    began = time.monotonic()
    started = subprocess.run([str(KAFKA_SCRIPT), "start"], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=600)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert password not in started.stdout + started.stderr
        print(f"\nsecure broker: started in {time.monotonic() - began:.1f}s")
        host = "127.0.0.1"
        yield SecureBroker(f"{host}:{ports['KAFKA_PORT']}", f"{host}:{ports['KAFKA_SASL_PORT']}",
                           f"{host}:{ports['KAFKA_SASL_SSL_PORT']}", f"{host}:{ports['KAFKA_SSL_PORT']}",
                           data / "broker" / "tls", password, password_file)
    finally:
        subprocess.run([str(KAFKA_SCRIPT), "stop"], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=120)


def start_worker(settings: Settings, log_path: Path, password_file: Path | None = None,
                 loglevel: str = "INFO") -> subprocess.Popen:
    """`storysift worker` with the settings in STORYSIFT_* variables; the password from a file
    when one is given (the way a mounted secret arrives)."""
    env = settings_env(settings)
    if password_file is not None:
        env.pop("STORYSIFT_SASL_PASSWORD")
        env["STORYSIFT_SASL_PASSWORD_FILE"] = str(password_file)
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "consumers.cli", "worker", "--loglevel", loglevel], env=env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def plaintext_view(settings: Settings, broker: SecureBroker) -> Settings:
    """The same topics seen through the PLAINTEXT listener: the test's own reader needs no login."""
    return replace(settings, broker_url=f"kafka://{broker.plaintext}", security_protocol="PLAINTEXT",
                   sasl_username="", sasl_password="", ssl_ca_file="")


WORKER_SETUPS = {
    "SCRAM-SHA-512": ("sasl", {}, "INFO"),
    "PLAIN over TLS, DEBUG log": ("sasl_ssl", {"sasl_mechanism": "PLAIN"}, "DEBUG"),
}


@pytest.mark.parametrize("setup", list(WORKER_SETUPS))
def test_worker_with_the_right_credentials_processes_pages_and_never_shows_the_password(secure_broker, tmp_path,
                                                                                         setup):
    listener, overrides, loglevel = WORKER_SETUPS[setup]
    bootstrap = getattr(secure_broker, listener)
    settings = secure_broker.settings(tmp_path, bootstrap, **secure_broker.scram(bootstrap, **overrides))
    create_topics(settings)  # through SASL: the admin client logs in too
    run = settings.consumer_group
    produced = produce(settings, [article_page(run, i) for i in range(PAGES)] + [b"{not json"])
    reader = OutcomeReader(plaintext_view(settings, secure_broker))
    log_path = tmp_path / "worker.log"
    worker = start_worker(settings, log_path, password_file=secure_broker.password_file, loglevel=loglevel)
    try:
        done = reader.wait_until(lambda r: len(r.sources()) >= len(produced) or worker.poll() is not None,
                                 timeout=120)
        assert done and worker.poll() is None, log_path.read_text(errors="replace")[-3000:]
        metrics = metrics_text(settings.metrics_port)
    finally:
        stop(worker)
        reader.poll(0.5)
        reader.close()

    assert reader.sources() == {(p.partition, p.offset) for p in produced}
    texts = {o.value.get("text", "") for o in reader.outputs if o.topic == settings.clean_topic}
    assert all(any(story_sentence(i) in t for t in texts) for i in range(PAGES))
    [dead] = [o for o in reader.outputs if o.topic == settings.dead_letter_topic]
    assert dead.value["error_kind"] == "invalid_json"

    password = secure_broker.password
    log_text = log_path.read_text(errors="replace")
    assert password not in log_text
    if loglevel == "DEBUG":  # the request that held it was logged, masked
        assert "SaslAuthenticateRequest" in log_text and "[redacted]" in log_text
    assert password not in metrics and "storysift_pages_consumed_total" in metrics
    assert not [line for line in metrics.splitlines() if not line.startswith("#") and
                any(word in line.lower() for word in ("sasl", "password", "ssl_", USER))]
    for output in reader.outputs:  # articles, and the dead letter with its error text
        assert password not in repr(output.value) and password not in repr(output.headers)


def test_worker_with_a_wrong_password_stops_fast_with_one_clear_line(secure_broker, tmp_path):
    wrong = f"wrong-{uuid.uuid4().hex}"
    settings = secure_broker.settings(tmp_path, secure_broker.sasl,
                                      **secure_broker.scram(secure_broker.sasl, sasl_password=wrong))
    log_path = tmp_path / "worker.log"
    began = time.monotonic()
    worker = start_worker(settings, log_path)
    try:
        code = worker.wait(60)
    finally:
        stop(worker)
    seconds = time.monotonic() - began
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    print(f"\nwrong password: exit {code} after {seconds:.1f}s, {len(lines)} log line(s): {lines}")
    assert code == EXIT_CONFIG
    assert seconds < 30  # the access check gives up on refusals at once; process start is most of it
    assert len(lines) <= 3, lines
    [line] = [line for line in lines if "cannot use Kafka" in line]
    assert "SCRAM-SHA-512" in line and USER in line and "STORYSIFT_SASL_PASSWORD" in line
    assert wrong not in "\n".join(lines) and secure_broker.password not in "\n".join(lines)


@pytest.mark.parametrize("command", ["replay", "tail"])
def test_replay_and_tail_with_a_wrong_password_exit_78_with_one_line(secure_broker, tmp_path, capsys, command):
    settings = secure_broker.settings(tmp_path, secure_broker.sasl,
                                      **secure_broker.scram(secure_broker.sasl, sasl_password="not-it"))
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>never sent</p></body></html>")
    with pytest.raises(SystemExit) as stopped:
        if command == "replay":
            run_replay(settings, [str(page)], None, "https://example.com", progress=False)
        else:
            run_tail(settings, seconds=5)
    assert stopped.value.code == EXIT_CONFIG
    stderr = capsys.readouterr().err
    [line] = stderr.splitlines()
    assert line.startswith(f"storysift {command}: cannot use Kafka") and "refused SCRAM-SHA-512 login" in line
    assert "not-it" not in stderr


def aiokafka_connects(settings: Settings) -> bool:
    """Can Faust's client library bootstrap with these settings? (what a worker's consumer does)"""
    async def bootstrap() -> bool:
        client = AIOKafkaClient(bootstrap_servers=settings.bootstrap_servers, **aiokafka_security(settings))
        try:
            await asyncio.wait_for(client.bootstrap(), 15)
            return True
        except KafkaConnectionError:
            return False
        finally:
            await client.close()

    return asyncio.run(bootstrap())


def client_cert(broker: SecureBroker) -> dict:
    return dict(ssl_cert_file=str(broker.tls_dir / "client.crt"), ssl_key_file=str(broker.tls_dir / "client.key"))


ACCEPTED = {
    "SASL_SSL SCRAM-SHA-512": lambda b: (b.sasl_ssl, b.scram(b.sasl_ssl)),
    "SASL_SSL SCRAM-SHA-256": lambda b: (b.sasl_ssl, b.scram(b.sasl_ssl, sasl_mechanism="SCRAM-SHA-256")),
    "SASL_SSL PLAIN": lambda b: (b.sasl_ssl, b.scram(b.sasl_ssl, sasl_mechanism="PLAIN")),
    "SASL_SSL by name": lambda b: (b.sasl_ssl.replace("127.0.0.1", "localhost"), b.scram(b.sasl_ssl)),
    "SASL_PLAINTEXT SCRAM-SHA-256": lambda b: (b.sasl, b.scram(b.sasl, sasl_mechanism="SCRAM-SHA-256")),
    "SSL with a client certificate": lambda b: (b.ssl, dict(security_protocol="SSL",
                                                            ssl_ca_file=str(b.tls_dir / "ca.pem"), **client_cert(b))),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_both_client_libraries_connect(secure_broker, tmp_path, case):
    bootstrap, security = ACCEPTED[case](secure_broker)
    settings = secure_broker.settings(tmp_path, bootstrap, **security)
    assert check_broker_access(settings, timeout=15)
    assert aiokafka_connects(settings)


REFUSED = {
    "wrong password": (Refusal.AUTHENTICATION, lambda b: (b.sasl, b.scram(b.sasl, sasl_password="nope"))),
    "unknown user": (Refusal.AUTHENTICATION, lambda b: (b.sasl, b.scram(b.sasl, sasl_username="mallory"))),
    "PLAIN where the listener has SCRAM only": (
        Refusal.AUTHENTICATION, lambda b: (b.sasl, b.scram(b.sasl, sasl_mechanism="PLAIN"))),
    "TLS without our CA": (Refusal.TLS, lambda b: (b.sasl_ssl, b.scram(b.sasl_ssl, ssl_ca_file=""))),
    # 127.1 reaches 127.0.0.1, but the broker's certificate names 127.0.0.1 and localhost only
    "an address the certificate does not name": (
        Refusal.TLS, lambda b: (b.sasl_ssl.replace("127.0.0.1", "127.1"), b.scram(b.sasl_ssl))),
    "mutual TLS without a client certificate": (
        Refusal.TLS, lambda b: (b.ssl, dict(security_protocol="SSL", ssl_ca_file=str(b.tls_dir / "ca.pem")))),
    "TLS to a plaintext listener": (
        Refusal.TLS, lambda b: (b.plaintext, dict(security_protocol="SSL", ssl_ca_file=str(b.tls_dir / "ca.pem")))),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refusals_are_recognised_at_once_by_both_libraries(secure_broker, tmp_path, case):
    refusal, make = REFUSED[case]
    bootstrap, security = make(secure_broker)
    settings = secure_broker.settings(tmp_path, bootstrap, **security)
    began = time.monotonic()
    with pytest.raises(BrokerAccessDenied) as denied:
        check_broker_access(settings, timeout=15)
    assert denied.value.refusal is refusal and time.monotonic() - began < 5, str(denied.value)
    assert secure_broker.password not in str(denied.value)
    assert not aiokafka_connects(settings)


def test_hostname_check_can_be_switched_off_for_addresses_the_certificate_does_not_name(secure_broker, tmp_path):
    settings = secure_broker.settings(tmp_path, secure_broker.sasl_ssl.replace("127.0.0.1", "127.1"),
                                      **secure_broker.scram(secure_broker.sasl_ssl), ssl_check_hostname=False)
    assert settings.security_protocol is SecurityProtocol.SASL_SSL and settings.security_warnings()
    assert check_broker_access(settings, timeout=15)
    assert aiokafka_connects(settings)


def test_the_plaintext_listener_still_serves(secure_broker):
    assert broker_reachable(secure_broker.plaintext)


def test_aiokafka_debug_logs_hold_a_plain_password_unless_redacted(secure_broker, tmp_path, caplog):
    """Why the worker installs SecretRedaction: without it the password is in the log."""
    settings = secure_broker.settings(tmp_path, secure_broker.sasl_ssl,
                                      **secure_broker.scram(secure_broker.sasl_ssl, sasl_mechanism="PLAIN"))
    caplog.set_level(logging.DEBUG, logger="aiokafka")
    assert aiokafka_connects(settings)
    assert secure_broker.password in caplog.text
    caplog.clear()
    with SecretRedaction(secrets_of(settings)):
        assert aiokafka_connects(settings)
    assert "SaslAuthenticateRequest" in caplog.text and secure_broker.password not in caplog.text
