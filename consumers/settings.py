"""One settings object, read from the environment once at the entry point and passed in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from .pipeline.model import Limits

_PREFIX = "STORYSIFT_"


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
    # Secrets: never logged (repr=False keeps them out of reprs and logs).
    sasl_username: str = field(default="", repr=False)
    sasl_password: str = field(default="", repr=False)
    limits: Limits = field(default_factory=Limits)

    @property
    def bootstrap_servers(self) -> str:
        """The broker URL as confluent-kafka wants it (no kafka:// scheme)."""
        return ",".join(part.split("://", 1)[-1] for part in self.broker_url.split(";"))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name == "limits":
                continue
            raw = env.get(_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(raw, type(getattr(cls(), f.name)))
        limit_values = {}
        for f in fields(Limits):
            raw = env.get(_PREFIX + f.name.upper())
            if raw is not None:
                limit_values[f.name] = _convert(raw, type(getattr(Limits(), f.name)))
        return cls(limits=Limits(**limit_values), **values)


def _convert(raw: str, kind: type) -> object:
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    return raw
