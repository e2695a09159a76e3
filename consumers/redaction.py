"""Secrets out of every log record, whoever logs it.

Our code never logs a secret, but the libraries can: aiokafka at DEBUG logs each request it
sends, and a SASL PLAIN login request holds the password (`SaslAuthenticateRequest_v1(
sasl_auth_bytes=b'user\\x00user\\x00<password>')`). So the worker wraps the log record factory:
every record whose text holds a configured secret (as text, or as it appears inside a repr of
str or bytes) gets the secret replaced before any handler sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from .settings import SECRET_FIELDS, Settings

MASK = "[redacted]"
# A shorter secret would mask ordinary text everywhere; such a secret is weak anyway.
MIN_SECRET_CHARS = 4


def secrets_of(settings: Settings) -> list[str]:
    return [value for name in SECRET_FIELDS if (value := getattr(settings, name))]


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as written, inside a str repr and inside a bytes repr; longest first."""
    forms = set()
    for secret in secrets:
        if len(secret) >= MIN_SECRET_CHARS:
            forms |= {secret, repr(secret)[1:-1], repr(secret.encode())[2:-1]}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, MASK)
    return text


class SecretRedaction:
    """Installs a log record factory that masks `secrets`; `uninstall` restores the previous one."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.forms = secret_forms(secrets)
        self._previous: Callable[..., logging.LogRecord] | None = None

    def install(self) -> "SecretRedaction":
        if self.forms and self._previous is None:
            self._previous = logging.getLogRecordFactory()
            logging.setLogRecordFactory(self._make_record)
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            logging.setLogRecordFactory(self._previous)
            self._previous = None

    def __enter__(self) -> "SecretRedaction":
        return self.install()

    def __exit__(self, *_exc: Any) -> None:
        self.uninstall()

    def _make_record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        assert self._previous is not None
        record = self._previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's problem, not ours
            return record
        if any(form in message for form in self.forms):
            # "%s" with one argument: formatters that rewrite args (mode's) still get the text back.
            record.msg, record.args = "%s", (redact(message, self.forms),)
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(form in text for form in self.forms):
                record.exc_text = redact(text, self.forms)  # handlers use it instead of formatting
        return record


def install_secret_redaction(settings: Settings) -> SecretRedaction:
    return SecretRedaction(secrets_of(settings)).install()
