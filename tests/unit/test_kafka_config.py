"""One module builds every Kafka client's security configuration: confluent-kafka and Faust's
aiokafka must agree, TLS verifies certificates and hostnames unless told not to, and the
broker-access check tells refusals from transient trouble."""

from __future__ import annotations

import io
import shutil
import ssl
import subprocess
from pathlib import Path

import faust
import pytest
from confluent_kafka import KafkaError, KafkaException

from consumers.broker_access import (BrokerAccessDenied, Refusal, check_broker_access, refusal_of,
                                     require_broker_access)
from consumers.kafka_config import (aiokafka_security, confluent_config, describe_security, faust_credentials,
                                    ssl_context)
from consumers.replay import producer_config
from consumers.settings import EXIT_CONFIG, Settings, SettingsError
from consumers.streaming.app import app_config
from consumers.tail import consumer_for

SECRET = "hunter2-never-shown"
KEY_PASSWORD = "key-pass-never-shown"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA and a client certificate whose key is encrypted with KEY_PASSWORD (made with openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    where = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=where, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=storysift unit test CA")
    run("req", "-newkey", "rsa:2048", "-passout", f"pass:{KEY_PASSWORD}", "-keyout", "client.key",
        "-out", "client.csr", "-subj", "/CN=client")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "client.crt", "-days", "2")
    return where


def sasl(protocol: str = "SASL_SSL", mechanism: str = "SCRAM-SHA-512", **extra) -> Settings:
    return Settings(security_protocol=protocol, sasl_mechanism=mechanism, sasl_username="ingest",
                    sasl_password=SECRET, **extra)


def test_plaintext_adds_only_the_protocol():
    settings = Settings(broker_url="kafka://a:1;kafka://b:2")
    assert confluent_config(settings) == {"bootstrap.servers": "a:1,b:2", "security.protocol": "PLAINTEXT"}
    assert faust_credentials(settings) is None and "broker_credentials" not in app_config(settings)
    assert aiokafka_security(settings) == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_both_libraries_get_the_same_sasl_login(protocol, mechanism):
    settings = sasl(protocol, mechanism)
    confluent, aiokafka = confluent_config(settings), aiokafka_security(settings)
    assert confluent["security.protocol"] == aiokafka["security_protocol"] == protocol
    assert confluent["sasl.mechanism"] == aiokafka["sasl_mechanism"] == mechanism
    assert confluent["sasl.username"] == aiokafka["sasl_plain_username"] == "ingest"
    assert confluent["sasl.password"] == aiokafka["sasl_plain_password"] == SECRET
    assert (aiokafka["ssl_context"] is not None) == (protocol == "SASL_SSL")
    credentials = app_config(settings)["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials) and SECRET not in repr(credentials)


def test_tls_verifies_the_certificate_and_the_hostname_by_default():
    settings = sasl()
    assert confluent_config(settings)["ssl.endpoint.identification.algorithm"] == "https"
    assert "ssl.ca.location" not in confluent_config(settings)  # the system's CAs, as in Python
    context = aiokafka_security(settings)["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True


def test_the_hostname_check_can_be_switched_off_in_both():
    settings = sasl(ssl_check_hostname=False)
    assert confluent_config(settings)["ssl.endpoint.identification.algorithm"] == "none"
    context = aiokafka_security(settings)["ssl_context"]
    assert context.check_hostname is False and context.verify_mode == ssl.CERT_REQUIRED
    assert "hostname check OFF" in describe_security(settings)


def test_ca_and_client_certificate_reach_both_libraries(pki):
    settings = Settings(security_protocol="SSL", ssl_ca_file=str(pki / "ca.pem"),
                        ssl_cert_file=str(pki / "client.crt"), ssl_key_file=str(pki / "client.key"),
                        ssl_key_password=KEY_PASSWORD)
    confluent = confluent_config(settings)
    assert confluent["ssl.ca.location"] == str(pki / "ca.pem")
    assert confluent["ssl.certificate.location"] == str(pki / "client.crt")
    assert (confluent["ssl.key.location"], confluent["ssl.key.password"]) == (str(pki / "client.key"), KEY_PASSWORD)
    credentials = faust_credentials(settings)
    assert isinstance(credentials, faust.SSLCredentials)
    [ca] = credentials.context.get_ca_certs()
    assert dict(entry[0] for entry in ca["subject"])["commonName"] == "storysift unit test CA"
    assert aiokafka_security(settings)["security_protocol"] == "SSL"


def test_a_wrong_key_password_is_a_settings_error_without_the_password(pki):
    settings = Settings(security_protocol="SSL", ssl_cert_file=str(pki / "client.crt"),
                        ssl_key_file=str(pki / "client.key"), ssl_key_password="not-" + KEY_PASSWORD)
    with pytest.raises(SettingsError, match="STORYSIFT_SSL_KEY_PASSWORD") as error:
        ssl_context(settings)
    assert KEY_PASSWORD not in str(error.value)


def test_a_ca_file_that_is_not_pem_is_a_settings_error(tmp_path):
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(SettingsError, match="not a PEM CA bundle"):
        ssl_context(Settings(security_protocol="SSL", ssl_ca_file=str(bogus)))


def test_every_confluent_client_uses_the_shared_configuration():
    settings = sasl()
    shared = confluent_config(settings)
    assert shared.items() <= producer_config(settings).items()
    consumer = consumer_for(settings)  # tail: a real librdkafka consumer accepts the properties
    consumer.close()


def test_the_description_names_the_setup_but_never_a_secret(pki):
    settings = sasl(ssl_ca_file=str(pki / "ca.pem"))
    line = describe_security(settings)
    assert "SASL_SSL" in line and "SCRAM-SHA-512" in line and "ingest" in line and str(pki / "ca.pem") in line
    assert SECRET not in line


@pytest.mark.parametrize("error, refusal", [
    (KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error: invalid credentials"), Refusal.AUTHENTICATION),
    (KafkaError(KafkaError._SSL, "SSL handshake failed: certificate verify failed"), Refusal.TLS),
    (KafkaError(KafkaError._TRANSPORT, "Receive failed: SSL routines::ssl/tls alert bad certificate"), Refusal.TLS),
    (KafkaError(KafkaError._TRANSPORT, "Connect to ipv4#127.0.0.1:9 failed: Connection refused"), None),
    (KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down"), None),
    (KafkaError(KafkaError._TIMED_OUT, "timed out"), None),
])
def test_refusals_are_told_from_transient_errors(error, refusal):
    assert refusal_of(error) is refusal


class FakeAdmin:
    """Answers metadata requests per `answers`: "ok", or a KafkaError reported through error_cb."""

    def __init__(self, answers: list) -> None:
        self.answers = answers

    def __call__(self, config: dict) -> "FakeAdmin":
        self.config, self.error_cb, self.pending = config, config["error_cb"], []
        return self

    def list_topics(self, timeout: float) -> object:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, str):  # "ok"
            return object()
        self.pending.append(answer)
        raise KafkaException(KafkaError(KafkaError._TRANSPORT, "Failed to get metadata"))

    def poll(self, timeout: float) -> None:
        while self.pending:
            self.error_cb(self.pending.pop(0))


def test_access_check_answers_true_after_transient_errors():
    refused = KafkaError(KafkaError._TRANSPORT, "Connection refused")
    fake = FakeAdmin([refused, refused, "ok"])
    assert check_broker_access(sasl(), timeout=5, client_factory=fake) is True
    assert fake.config["logger"].propagate is False  # librdkafka's per-attempt lines stay out of the log


def test_access_check_gives_up_quietly_on_an_unreachable_broker():
    fake = FakeAdmin([KafkaError(KafkaError._TRANSPORT, "Connection refused")])
    assert check_broker_access(sasl(), timeout=0.3, client_factory=fake) is False


def test_access_check_raises_on_the_first_refusal():
    fake = FakeAdmin([KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error: invalid credentials")])
    with pytest.raises(BrokerAccessDenied) as denied:
        check_broker_access(sasl(), timeout=30, client_factory=fake)
    assert denied.value.refusal is Refusal.AUTHENTICATION and "STORYSIFT_SASL_PASSWORD" in str(denied.value)


def test_unloadable_tls_files_exit_78_with_one_line_before_any_connection(tmp_path):
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    out = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        require_broker_access(sasl(ssl_ca_file=str(bogus)), "storysift worker", out=out, timeout=0.1)
    assert stopped.value.code == EXIT_CONFIG
    [line] = out.getvalue().splitlines()
    assert line.startswith("storysift worker: cannot use Kafka") and "STORYSIFT_SSL_CA_FILE" in line
    assert SECRET not in line
