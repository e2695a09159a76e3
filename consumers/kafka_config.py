"""Kafka client configuration built from `Settings`, in one place for both client libraries.

- confluent-kafka (librdkafka): admin, the replay producer, the gap reader and `tail`;
- Faust on aiokafka: `broker_credentials` (a Faust `Credentials`, which Faust turns into
  aiokafka's `security_protocol`, `sasl_mechanism`, `sasl_plain_username/password` and
  `ssl_context` for its consumer and producer alike).

Both get the same protocol, mechanism, user, CA, client certificate and hostname check, so a
setting that works for one works for the other (tests/unit/test_kafka_config.py compares them).
"""

from __future__ import annotations

import ssl
from typing import Any

from .settings import SecurityProtocol, Settings, SettingsError


def confluent_config(settings: Settings) -> dict[str, Any]:
    """bootstrap.servers and the security properties: start every confluent-kafka client here."""
    return {"bootstrap.servers": settings.bootstrap_servers, **confluent_security(settings)}


def confluent_security(settings: Settings) -> dict[str, str]:
    protocol = settings.security_protocol
    config = {"security.protocol": protocol.value}
    if protocol.uses_sasl:
        config.update({"sasl.mechanism": settings.sasl_mechanism.value,
                       "sasl.username": settings.sasl_username, "sasl.password": settings.sasl_password})
    if protocol.uses_tls:
        # librdkafka's hostname check is off unless asked for; ours is on unless switched off.
        config["ssl.endpoint.identification.algorithm"] = "https" if settings.ssl_check_hostname else "none"
        if settings.ssl_ca_file:
            config["ssl.ca.location"] = settings.ssl_ca_file
        if settings.ssl_cert_file:
            config["ssl.certificate.location"] = settings.ssl_cert_file
            config["ssl.key.location"] = settings.ssl_key_file
        if settings.ssl_key_password:
            config["ssl.key.password"] = settings.ssl_key_password
    return config


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """The TLS context for aiokafka: the CA file (or the system's CAs), the client certificate
    when one is set, certificate and hostname verification on (hostname per settings)."""
    try:
        context = ssl.create_default_context(cafile=settings.ssl_ca_file or None)
    except (ssl.SSLError, OSError) as error:
        raise SettingsError(f"STORYSIFT_SSL_CA_FILE={settings.ssl_ca_file}: not a PEM CA bundle ({error})") from None
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_cert_file:
        try:
            context.load_cert_chain(settings.ssl_cert_file, settings.ssl_key_file,
                                    password=settings.ssl_key_password or None)
        except (ssl.SSLError, OSError) as error:
            raise SettingsError(
                f"cannot load the client certificate STORYSIFT_SSL_CERT_FILE={settings.ssl_cert_file} with "
                f"STORYSIFT_SSL_KEY_FILE={settings.ssl_key_file}: {_ssl_reason(error)} (a wrong or missing "
                "STORYSIFT_SSL_KEY_PASSWORD, a key that does not match the certificate, or not PEM)") from None
    return context


def faust_credentials(settings: Settings) -> Any:
    """The `broker_credentials` for faust.App: None for PLAINTEXT."""
    import faust

    protocol = settings.security_protocol
    context = ssl_context(settings) if protocol.uses_tls else None
    if protocol.uses_sasl:
        return faust.SASLCredentials(username=settings.sasl_username, password=settings.sasl_password,
                                     ssl_context=context, mechanism=settings.sasl_mechanism.value)
    if protocol is SecurityProtocol.SSL:
        return faust.SSLCredentials(context)
    return None


def aiokafka_security(settings: Settings) -> dict[str, Any]:
    """The keyword arguments Faust hands to aiokafka's clients for these settings."""
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    return credentials_to_aiokafka_auth(faust_credentials(settings))


def describe_security(settings: Settings) -> str:
    """One loggable line: protocol, mechanism, user and file paths, never a secret."""
    protocol = settings.security_protocol
    parts = [protocol.value]
    if protocol.uses_sasl:
        parts.append(f"{settings.sasl_mechanism.value} as {settings.sasl_username!r}")
    if protocol.uses_tls:
        parts.append(f"CA {settings.ssl_ca_file or 'system'}")
        if settings.ssl_cert_file:
            parts.append(f"client certificate {settings.ssl_cert_file}")
        if not settings.ssl_check_hostname:
            parts.append("hostname check OFF")
    return ", ".join(parts)


def _ssl_reason(error: BaseException) -> str:
    return getattr(error, "reason", None) or getattr(error, "strerror", None) or type(error).__name__
