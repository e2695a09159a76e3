"""Security settings: read from STORYSIFT_* variables or secret files, checked at startup, and
never shown (repr, error messages)."""

from __future__ import annotations

import io
from dataclasses import fields

import pytest

from consumers.settings import (EXIT_CONFIG, SECRET_FIELDS, SaslMechanism, SecurityProtocol, Settings,
                                SettingsError, env_name, settings_or_exit)

SECRET = "hunter2-never-shown"


def sasl_env(**extra: str) -> dict[str, str]:
    return {"STORYSIFT_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "STORYSIFT_SASL_USERNAME": "ingest",
            "STORYSIFT_SASL_PASSWORD": SECRET, **extra}


def test_defaults_are_plaintext_with_scram_512_and_hostname_checks_ready():
    settings = Settings()
    assert settings.security_protocol is SecurityProtocol.PLAINTEXT
    assert settings.sasl_mechanism is SaslMechanism.SCRAM_SHA_512
    assert settings.ssl_check_hostname is True
    assert Settings.from_env({}) == settings and settings.security_warnings() == []


def test_values_are_read_case_insensitively_and_as_enums(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not parsed here")
    settings = Settings.from_env({"STORYSIFT_SECURITY_PROTOCOL": "sasl_ssl", "STORYSIFT_SASL_MECHANISM": "plain",
                                  "STORYSIFT_SASL_USERNAME": "ingest", "STORYSIFT_SASL_PASSWORD": SECRET,
                                  "STORYSIFT_SSL_CA_FILE": str(ca), "STORYSIFT_SSL_CHECK_HOSTNAME": "false"})
    assert settings.security_protocol is SecurityProtocol.SASL_SSL
    assert settings.sasl_mechanism is SaslMechanism.PLAIN
    assert (settings.sasl_username, settings.sasl_password, settings.ssl_ca_file) == ("ingest", SECRET, str(ca))
    assert settings.ssl_check_hostname is False


def test_plain_strings_become_enums_when_built_in_code():
    settings = Settings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-256", sasl_username="u",
                        sasl_password=SECRET)
    assert settings.security_protocol is SecurityProtocol.SASL_SSL and settings.security_protocol.uses_tls
    assert settings.sasl_mechanism is SaslMechanism.SCRAM_SHA_256


def test_every_field_survives_the_environment_round_trip(tmp_path):
    key = tmp_path / "client.key"
    for name in ("ca.pem", "client.crt", "client.key"):
        (tmp_path / name).write_text("x")
    settings = Settings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-256", sasl_username="u",
                        sasl_password=SECRET, ssl_ca_file=str(tmp_path / "ca.pem"),
                        ssl_cert_file=str(tmp_path / "client.crt"), ssl_key_file=str(key),
                        ssl_key_password="k-" + SECRET, ssl_check_hostname=False, partitions=7)
    env = {}
    for f in fields(Settings):
        if f.name != "limits":
            value = getattr(settings, f.name)
            env[env_name(f.name)] = str(value).lower() if isinstance(value, bool) else str(value)
    assert Settings.from_env(env) == settings


def test_secrets_come_from_files_with_one_trailing_newline_dropped(tmp_path):
    secret_file = tmp_path / "password"
    secret_file.write_text(f"  {SECRET} with spaces\n")
    env = sasl_env(STORYSIFT_SASL_PASSWORD_FILE=str(secret_file))
    del env["STORYSIFT_SASL_PASSWORD"]
    assert Settings.from_env(env).sasl_password == f"  {SECRET} with spaces"


@pytest.mark.parametrize("problem, content, expected", [
    ("both", "x", "STORYSIFT_SASL_PASSWORD or STORYSIFT_SASL_PASSWORD_FILE, not both"),
    ("empty", "\n", "is empty"),
    ("missing", None, "cannot read it"),
])
def test_secret_file_problems_are_named_without_the_secret(tmp_path, problem, content, expected):
    secret_file = tmp_path / "password"
    if content is not None:
        secret_file.write_text(content)
    env = sasl_env(STORYSIFT_SASL_PASSWORD_FILE=str(secret_file))
    if problem != "both":
        del env["STORYSIFT_SASL_PASSWORD"]
    with pytest.raises(SettingsError, match=expected) as error:
        Settings.from_env(env)
    assert SECRET not in str(error.value)


def test_secrets_never_appear_in_the_repr():
    settings = Settings.from_env(sasl_env())
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert {f.name for f in fields(Settings) if not f.repr} == set(SECRET_FIELDS)


def test_the_key_password_also_comes_from_a_file(tmp_path):
    for name in ("client.crt", "client.key", "key-password"):
        (tmp_path / name).write_text(SECRET if name == "key-password" else "x")
    settings = Settings.from_env({"STORYSIFT_SECURITY_PROTOCOL": "SSL",
                                  "STORYSIFT_SSL_CERT_FILE": str(tmp_path / "client.crt"),
                                  "STORYSIFT_SSL_KEY_FILE": str(tmp_path / "client.key"),
                                  "STORYSIFT_SSL_KEY_PASSWORD_FILE": str(tmp_path / "key-password")})
    assert settings.ssl_key_password == SECRET and SECRET not in repr(settings)


INVALID = [
    ({"STORYSIFT_SECURITY_PROTOCOL": "TLS"}, "one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
    (sasl_env(STORYSIFT_SASL_MECHANISM="GSSAPI"), "one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"),
    ({"STORYSIFT_SECURITY_PROTOCOL": "SASL_SSL", "STORYSIFT_SASL_PASSWORD": SECRET}, "needs STORYSIFT_SASL_USERNAME"),
    ({"STORYSIFT_SECURITY_PROTOCOL": "SASL_SSL", "STORYSIFT_SASL_USERNAME": "u"}, "needs STORYSIFT_SASL_PASSWORD"),
    ({"STORYSIFT_SASL_USERNAME": "u", "STORYSIFT_SASL_PASSWORD": SECRET}, "does not use SASL"),
    ({"STORYSIFT_SECURITY_PROTOCOL": "SSL", "STORYSIFT_SASL_PASSWORD": SECRET}, "does not use SASL"),
    (sasl_env(STORYSIFT_SSL_CA_FILE="/etc/hostname"), "does not use TLS"),
    ({"STORYSIFT_SECURITY_PROTOCOL": "SSL", "STORYSIFT_SSL_CERT_FILE": "/etc/hostname"},
     "needs both STORYSIFT_SSL_CERT_FILE and STORYSIFT_SSL_KEY_FILE"),
    ({"STORYSIFT_SECURITY_PROTOCOL": "SSL", "STORYSIFT_SSL_KEY_PASSWORD": SECRET}, "without STORYSIFT_SSL_KEY_FILE"),
    ({"STORYSIFT_SECURITY_PROTOCOL": "SSL", "STORYSIFT_SSL_CA_FILE": "/no/such/ca.pem"},
     "STORYSIFT_SSL_CA_FILE=/no/such/ca.pem: no such file"),
    ({"STORYSIFT_BROKER_URL": f"kafka://u:{SECRET}@broker:9092"}, "must not hold credentials"),
    ({"STORYSIFT_SSL_CHECK_HOSTNAME": "perhaps"}, "STORYSIFT_SSL_CHECK_HOSTNAME='perhaps' is not a valid bool"),
    ({"STORYSIFT_PARTITIONS": "four"}, "STORYSIFT_PARTITIONS='four' is not a valid int"),
]


@pytest.mark.parametrize("env, message", INVALID, ids=[m for _, m in INVALID])
def test_wrong_combinations_are_refused_with_a_message_naming_the_variables(env, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        Settings.from_env(env)
    assert SECRET not in str(error.value)


def test_risky_but_allowed_choices_are_warned_about():
    plain_in_clear = Settings.from_env(sasl_env(STORYSIFT_SASL_MECHANISM="PLAIN"))
    assert any("in clear" in w for w in plain_in_clear.security_warnings())
    no_hostname = Settings(security_protocol="SSL", ssl_check_hostname=False)
    assert any("STORYSIFT_SSL_CHECK_HOSTNAME=false" in w for w in no_hostname.security_warnings())
    assert Settings.from_env(sasl_env()).security_warnings() == []


def test_entry_points_get_one_line_and_exit_78_instead_of_a_traceback():
    out = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        settings_or_exit("storysift worker", {"STORYSIFT_SECURITY_PROTOCOL": "SASL_SSL",
                                              "STORYSIFT_SASL_PASSWORD": SECRET}, out=out)
    assert stopped.value.code == EXIT_CONFIG
    [line] = out.getvalue().splitlines()
    assert line == "storysift worker: configuration error: STORYSIFT_SECURITY_PROTOCOL=SASL_SSL needs " \
                   "STORYSIFT_SASL_USERNAME"
    assert settings_or_exit(environ={}) == Settings()
