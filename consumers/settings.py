"""One settings object, read from the environment once at the entry point and passed in.

Every field `name` is read from `STORYSIFT_NAME`. Secrets (`SECRET_FIELDS`) may instead come from
a file named by `STORYSIFT_NAME_FILE` (a mounted Kubernetes or Docker secret), never from the
command line; they are kept out of reprs, and no error message quotes them. Combinations are
checked when the object is built, so a worker refuses a wrong configuration at startup.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum, StrEnum
from pathlib import Path
from typing import TextIO

from .pipeline.model import Limits

_PREFIX = "STORYSIFT_"
# sysexits.h EX_CONFIG: the configuration is wrong (bad settings, credentials refused by the
# broker). A supervisor should not restart in a tight loop on it: restarting cannot fix it.
EXIT_CONFIG = 78


class SettingsError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variables."""


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"

    @property
    def uses_sasl(self) -> bool:
        return self in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL)

    @property
    def uses_tls(self) -> bool:
        return self in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL)


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


# Fields that hold secrets: repr=False, readable from STORYSIFT_<NAME>_FILE, never in messages.
SECRET_FIELDS = ("sasl_password", "ssl_key_password")


@dataclass(frozen=True)
class Settings:
    broker_url: str = "kafka://127.0.0.1:9092"
    raw_topic: str = "pages.raw"
    clean_topic: str = "articles.clean"
    rejections_topic: str = "pages.rejected"
    dead_letter_topic: str = "pages.deadletter"
    partitions: int = 4
    replication_factor: int = 1
    consumer_group: str = "storysift"
    app_id: str = "storysift"
    metrics_port: int = 9108
    web_port: int = 6066
    data_dir: str = "/tmp/storysift"
    per_language_topics: bool = False
    dedup_ttl_seconds: int = 7 * 24 * 3600
    batch_size: int = 100
    batch_seconds: float = 0.2
    # How long the group waits for a silent (crashed) worker before moving its partitions.
    session_timeout_seconds: float = 10.0
    # Bound of one publish attempt (aiokafka's request timeout and publish.py's attempt bound).
    publish_timeout_seconds: float = 30.0
    # The worker's supervisor kills a worker busy on one record for this long (a page that hangs
    # the pipeline in C code, past the cooperative max_seconds) and dead-letters the record;
    # a record the worker process died on `crash_attempts` times is dead-lettered too.
    # Keep it under the liveness probe's window (deploy/k8s: 3 x 10 s): a hung worker stops
    # answering /healthz, and a pod restarted by the kubelet would meet the record again.
    stuck_record_seconds: float = 20.0
    crash_attempts: int = 2
    # Testing only: make the worker hang or crash on marked records (streaming/failpoints.py).
    failpoints: str = ""
    # Connection security (docs/operations.md, "Connecting to a secured Kafka").
    security_protocol: SecurityProtocol = SecurityProtocol.PLAINTEXT
    sasl_mechanism: SaslMechanism = SaslMechanism.SCRAM_SHA_512
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)
    ssl_ca_file: str = ""  # PEM; empty: the system's trusted CAs
    ssl_cert_file: str = ""  # PEM client certificate, for brokers that require one (mutual TLS)
    ssl_key_file: str = ""
    ssl_key_password: str = field(default="", repr=False)
    ssl_check_hostname: bool = True
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        # Accept plain strings too (Settings(security_protocol="SASL_SSL")); unknown values raise.
        object.__setattr__(self, "security_protocol", _member(SecurityProtocol, self.security_protocol,
                                                              "security_protocol"))
        object.__setattr__(self, "sasl_mechanism", _member(SaslMechanism, self.sasl_mechanism, "sasl_mechanism"))
        check_security(self)

    @property
    def bootstrap_servers(self) -> str:
        """The broker URL as confluent-kafka wants it (no kafka:// scheme)."""
        return ",".join(part.split("://", 1)[-1] for part in self.broker_url.split(";"))

    def security_warnings(self) -> list[str]:
        """Allowed but risky choices, for the worker to log once at startup."""
        warnings = []
        if self.security_protocol is SecurityProtocol.SASL_PLAINTEXT and self.sasl_mechanism is SaslMechanism.PLAIN:
            warnings.append("SASL PLAIN without TLS sends the password in clear: use SASL_SSL or a SCRAM mechanism")
        if self.security_protocol.uses_tls and not self.ssl_check_hostname:
            warnings.append("STORYSIFT_SSL_CHECK_HOSTNAME=false: the broker's certificate is not matched to its "
                            "address, so anyone holding a certificate from the same CA can pose as the broker")
        return warnings

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        values = _fields_from_env(cls, env, skip=("limits",))
        return cls(limits=Limits(**_fields_from_env(Limits, env)), **values)


def _fields_from_env(kind: type, env: Mapping[str, str], skip: tuple[str, ...] = ()) -> dict[str, object]:
    """The fields of dataclass `kind` set in the environment, converted to their defaults' types;
    secrets may come from a file (`_secret`)."""
    defaults = kind()
    values: dict[str, object] = {}
    for f in fields(kind):
        if f.name in skip:
            continue
        raw = _secret(env, f.name) if f.name in SECRET_FIELDS else env.get(env_name(f.name))
        if raw is not None:
            values[f.name] = _convert(raw, type(getattr(defaults, f.name)), env_name(f.name))
    return values


def settings_or_exit(command: str = "storysift", environ: dict[str, str] | None = None,
                     out: TextIO | None = None) -> Settings:
    """Settings.from_env for entry points: a wrong setting is one line on stderr and exit 78,
    not a traceback (and a supervisor can tell it from a crash)."""
    try:
        return Settings.from_env(environ)
    except SettingsError as error:
        print(f"{command}: configuration error: {error}", file=out or sys.stderr, flush=True)
        raise SystemExit(EXIT_CONFIG) from None


def env_name(field_name: str) -> str:
    return _PREFIX + field_name.upper()


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """STORYSIFT_<NAME>, or the content of the file STORYSIFT_<NAME>_FILE names (one trailing
    newline dropped: secret files are often written with one)."""
    direct, path = env.get(env_name(name)) or None, env.get(env_name(name) + "_FILE") or None
    if direct is not None and path is not None:
        raise SettingsError(f"set {env_name(name)} or {env_name(name)}_FILE, not both")
    if path is None:
        return direct
    try:
        value = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{env_name(name)}_FILE={path}: cannot read it ({type(error).__name__}: "
                            f"{getattr(error, 'strerror', None) or 'not UTF-8 text'})") from None
    value = value.removesuffix("\n").removesuffix("\r")
    if not value:
        raise SettingsError(f"{env_name(name)}_FILE={path} is empty")
    return value


def _convert(raw: str, kind: type, name: str) -> object:
    try:
        if kind is bool:
            return _boolean(raw)
        if issubclass(kind, Enum):
            return kind(raw.strip().upper())
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        choices = f" (one of {', '.join(m.value for m in kind)})" if issubclass(kind, Enum) else ""
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}{choices}") from None
    return raw


def _member(kind: type[Enum], value: object, name: str) -> Enum:
    try:
        return kind(value)
    except ValueError:
        raise SettingsError(f"{env_name(name)}={value!r}: not one of {', '.join(m.value for m in kind)}") from None


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(raw)


def check_security(settings: Settings) -> None:
    """Raise SettingsError for a contradictory or incomplete security configuration."""
    protocol = settings.security_protocol
    if "@" in settings.broker_url:
        raise SettingsError("STORYSIFT_BROKER_URL must not hold credentials: use STORYSIFT_SASL_USERNAME "
                            "and STORYSIFT_SASL_PASSWORD (or STORYSIFT_SASL_PASSWORD_FILE)")
    set_here = f"STORYSIFT_SECURITY_PROTOCOL={protocol.value}"
    if protocol.uses_sasl:
        if not settings.sasl_username:
            raise SettingsError(f"{set_here} needs STORYSIFT_SASL_USERNAME")
        if not settings.sasl_password:
            raise SettingsError(f"{set_here} needs STORYSIFT_SASL_PASSWORD or STORYSIFT_SASL_PASSWORD_FILE")
    else:
        for name in ("sasl_username", "sasl_password"):
            if getattr(settings, name):
                raise SettingsError(f"{env_name(name)} is set but {set_here} does not use SASL: "
                                    "set STORYSIFT_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT)")
    tls_files = ("ssl_ca_file", "ssl_cert_file", "ssl_key_file", "ssl_key_password")
    if not protocol.uses_tls:
        for name in tls_files:
            if getattr(settings, name):
                raise SettingsError(f"{env_name(name)} is set but {set_here} does not use TLS: "
                                    "set STORYSIFT_SECURITY_PROTOCOL=SSL or SASL_SSL")
        return
    if bool(settings.ssl_cert_file) != bool(settings.ssl_key_file):
        raise SettingsError("a client certificate needs both STORYSIFT_SSL_CERT_FILE and STORYSIFT_SSL_KEY_FILE")
    if settings.ssl_key_password and not settings.ssl_key_file:
        raise SettingsError("STORYSIFT_SSL_KEY_PASSWORD is set without STORYSIFT_SSL_KEY_FILE")
    for name in ("ssl_ca_file", "ssl_cert_file", "ssl_key_file"):
        path = getattr(settings, name)
        if path and not os.access(path, os.R_OK):
            problem = "no such file" if not os.path.exists(path) else "not readable by this user"
            raise SettingsError(f"{env_name(name)}={path}: {problem}")
