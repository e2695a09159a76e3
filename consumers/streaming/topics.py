"""The topics a worker reads and writes, created idempotently with confluent-kafka's admin client.

Faust only creates its own internal topics (the dedup table's changelog); everything else is
created here so partition counts and configs are deliberate, not broker defaults.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from ..kafka_config import confluent_config
from ..settings import Settings

log = logging.getLogger(__name__)

# One limit for topic, producer and consumer: a dead letter carries the original record in
# base64 (4/3 of Limits.max_record_bytes = 8 MiB), so 16 MiB leaves room for the envelope.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_COMPACT = {"cleanup.policy": "compact"}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)


def topic_specs(settings: Settings, languages: tuple[str, ...] = ()) -> list[TopicSpec]:
    """Raw, clean (compacted: keyed by article id, so a re-crawl replaces the old version),
    rejections, dead letters, and per-language clean topics for the languages given."""
    size = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    names_and_configs = [
        (settings.raw_topic, size),
        (settings.clean_topic, {**size, **_COMPACT}),
        (settings.rejections_topic, size),
        (settings.dead_letter_topic, size),
    ]
    if settings.per_language_topics:
        names_and_configs += [(language_topic(settings, code), {**size, **_COMPACT}) for code in languages]
    return [TopicSpec(name, settings.partitions, settings.replication_factor, config)
            for name, config in names_and_configs]


def language_topic(settings: Settings, code: str) -> str:
    return f"{settings.clean_topic}.{code}"


def compacted_spec(settings: Settings, name: str) -> TopicSpec:
    """A clean-like topic created on first use (per-language topics: languages are open-ended)."""
    return TopicSpec(name, settings.partitions, settings.replication_factor,
                     {"max.message.bytes": str(MAX_MESSAGE_BYTES), **_COMPACT})


def admin_client(settings: Settings) -> AdminClient:
    return AdminClient(confluent_config(settings))


def ensure_topics(settings: Settings, specs: list[TopicSpec], admin: AdminClient | None = None,
                  timeout: float = 30.0) -> dict[str, str]:
    """Create the topics that do not exist yet; return {name: "created" | "exists"}.

    An existing topic with a different partition count is reported, not changed: repartitioning
    moves keys between partitions and breaks per-key ordering.
    """
    admin = admin or admin_client(settings)
    existing = admin.list_topics(timeout=timeout).topics
    result: dict[str, str] = {}
    missing = []
    for spec in specs:
        if spec.name in existing:
            result[spec.name] = "exists"
            count = len(existing[spec.name].partitions)
            if count != spec.partitions:
                log.warning("topic %s has %d partitions, settings say %d", spec.name, count, spec.partitions)
        else:
            missing.append(NewTopic(spec.name, num_partitions=spec.partitions,
                                    replication_factor=spec.replication_factor, config=spec.config))
    if missing:
        for name, future in admin.create_topics(missing, operation_timeout=timeout).items():
            try:
                future.result(timeout)
                result[name] = "created"
            except KafkaException as exc:
                if exc.args and exc.args[0].name() == "TOPIC_ALREADY_EXISTS":
                    result[name] = "exists"  # created concurrently by another worker
                else:
                    raise
    return result


def partition_count(settings: Settings, topic: str, admin: AdminClient | None = None,
                    timeout: float = 30.0) -> int | None:
    """The topic's actual partition count, or None when it does not exist."""
    admin = admin or admin_client(settings)
    metadata = admin.list_topics(topic, timeout=timeout).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return None
    return len(metadata.partitions)
