"""Does the broker accept our credentials and TLS setup? Asked once, before any real client starts.

A refused login is not transient: retrying only floods the log (librdkafka logs every attempt,
a few per second) while the worker looks alive. So the worker asks first, with a quiet client,
and stops with one clear line and exit code 78 (EX_CONFIG) when the broker says no. A broker
that is merely unreachable is left to the clients' own retries (and the caller's policy).
"""

from __future__ import annotations

import logging
import sys
import time
from enum import Enum
from typing import TextIO

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from .kafka_config import confluent_config, describe_security, ssl_context
from .settings import EXIT_CONFIG, Settings, SettingsError

log = logging.getLogger(__name__)

# How long to wait for an answer before leaving the broker to the clients' own retries.
ACCESS_TIMEOUT_SECONDS = 10.0


class Refusal(Enum):
    AUTHENTICATION = "authentication"
    TLS = "tls"


class BrokerAccessDenied(Exception):
    def __init__(self, refusal: Refusal, detail: str, settings_hint: str) -> None:
        super().__init__(f"{detail}; {settings_hint}")
        self.refusal = refusal
        self.detail = detail  # librdkafka's text: broker address, mechanism, reason; never a secret
        self.settings_hint = settings_hint


def refusal_of(error: KafkaError) -> Refusal | None:
    """Which refusal a librdkafka error reports, or None for anything transient (connection
    refused, broker down, timeouts). A TLS alert from the broker (no or bad client certificate)
    arrives as a transport error whose text names the SSL routines."""
    code = error.code()
    if code == KafkaError._AUTHENTICATION:
        return Refusal.AUTHENTICATION
    if code == KafkaError._SSL or (code == KafkaError._TRANSPORT and "SSL" in (error.str() or "")):
        return Refusal.TLS
    return None


def hint_for(refusal: Refusal, settings: Settings) -> str:
    if refusal is Refusal.AUTHENTICATION:
        return (f"the broker refused {settings.sasl_mechanism.value} login as {settings.sasl_username!r}: check "
                "STORYSIFT_SASL_USERNAME, STORYSIFT_SASL_PASSWORD (or _FILE), STORYSIFT_SASL_MECHANISM and that "
                "STORYSIFT_SECURITY_PROTOCOL matches the broker's listener")
    return ("TLS with the broker failed: check STORYSIFT_SSL_CA_FILE (the CA that signed the broker's certificate), "
            "the broker address against its certificate, STORYSIFT_SSL_CERT_FILE/_KEY_FILE when the broker requires "
            "client certificates, and that STORYSIFT_SECURITY_PROTOCOL matches the broker's listener")


def check_broker_access(settings: Settings, timeout: float = ACCESS_TIMEOUT_SECONDS,
                        client_factory: type = AdminClient) -> bool:
    """True when the broker answered a metadata request; False when it did not answer within
    `timeout` for a transient reason; raises BrokerAccessDenied when it refused us."""
    errors: list[KafkaError] = []
    client = client_factory({**confluent_config(settings), "error_cb": errors.append,
                             # its per-attempt log lines would be the flood this check prevents
                             "logger": _SILENT, "reconnect.backoff.ms": 200})
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.list_topics(timeout=min(1.0, max(deadline - time.monotonic(), 0.1)))
            return True
        except KafkaException:
            pass
        client.poll(0)  # runs error_cb for what happened meanwhile
        for error in errors:
            if (refusal := refusal_of(error)) is not None:
                raise BrokerAccessDenied(refusal, error.str(), hint_for(refusal, settings))
        if time.monotonic() >= deadline:
            last = errors[-1].str() if errors else "no answer"
            log.warning("broker %s did not answer within %.0fs (%s); the clients keep retrying",
                        settings.bootstrap_servers, timeout, last)
            return False


def require_broker_access(settings: Settings, command: str, out: TextIO | None = None,
                          timeout: float = ACCESS_TIMEOUT_SECONDS) -> None:
    """Exit with EXIT_CONFIG and one line on `out` (stderr) when the TLS files cannot be loaded
    or the broker refuses our credentials or TLS; otherwise return (reachable or not)."""
    for warning in settings.security_warnings():
        log.warning("%s: %s", command, warning)
    try:
        if settings.security_protocol.uses_tls:
            ssl_context(settings)  # the files aiokafka will load: a bad key or password fails here
        check_broker_access(settings, timeout)
    except (SettingsError, BrokerAccessDenied) as error:
        print(f"{command}: cannot use Kafka at {access_summary(settings)}: {error}", file=out or sys.stderr,
              flush=True)
        raise SystemExit(EXIT_CONFIG) from None


def _silent_logger() -> logging.Logger:
    logger = logging.getLogger(f"{__name__}.librdkafka")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    return logger


_SILENT = _silent_logger()


def access_summary(settings: Settings) -> str:
    return f"{settings.bootstrap_servers} ({describe_security(settings)})"
