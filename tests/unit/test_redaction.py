"""Secrets are masked in every log record, however a library formats them."""

from __future__ import annotations

import io
import logging

import pytest

from consumers.redaction import MASK, SecretRedaction, install_secret_redaction, secret_forms, secrets_of
from consumers.settings import Settings

SECRET = "pa'ss\\word-é"


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger = logging.getLogger("redaction-test")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_the_secret_is_masked_as_text_and_inside_str_and_bytes_reprs(captured):
    logger, stream = captured
    with SecretRedaction([SECRET]):
        logger.info("plain %s", SECRET)
        logger.debug("Request: SaslAuthenticateRequest_v1(sasl_auth_bytes=%r)", b"u\x00u\x00" + SECRET.encode())
        logger.warning("config %r", {"password": SECRET})
        logger.info("no secret here, %d%% fine", 100)
    text = stream.getvalue()
    assert SECRET not in text and repr(SECRET)[1:-1] not in text and repr(SECRET.encode())[2:-1] not in text
    assert text.count(MASK) == 3 and "100% fine" in text


def test_exception_text_is_masked_too(captured):
    logger, stream = captured
    with SecretRedaction([SECRET]):
        try:
            raise RuntimeError(f"login failed for password {SECRET}")
        except RuntimeError:
            logger.exception("connect failed")
    assert SECRET not in stream.getvalue() and MASK in stream.getvalue()


def test_uninstall_restores_the_previous_factory(captured):
    logger, stream = captured
    before = logging.getLogRecordFactory()
    with SecretRedaction([SECRET]):
        assert logging.getLogRecordFactory() is not before
    assert logging.getLogRecordFactory() is before
    logger.info("after %s", SECRET)
    assert SECRET in stream.getvalue()  # proves the check above can see a leak


def test_formatters_that_rewrite_args_still_get_the_masked_text(captured):
    logger, stream = captured

    class ArgsToTuple(logging.Formatter):  # mode's ExtensionFormatter does this
        def format(self, record):
            if not isinstance(record.args, tuple):
                record.args = (record.args,)
            return super().format(record)

    logger.handlers[0].setFormatter(ArgsToTuple("%(message)s"))
    with SecretRedaction([SECRET]):
        logger.info("value %s", SECRET)
    assert stream.getvalue().strip() == f"value {MASK}"


def test_settings_secrets_are_the_ones_masked_and_short_ones_are_left_alone():
    settings = Settings(security_protocol="SASL_PLAINTEXT", sasl_username="user", sasl_password="s3cret-pw")
    assert secrets_of(settings) == ["s3cret-pw"]
    assert secret_forms(["abc"]) == []
    redaction = install_secret_redaction(Settings())  # nothing to mask: nothing installed
    assert redaction.forms == [] and logging.getLogRecordFactory() is logging.LogRecord
