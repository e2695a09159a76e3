"""The worker sizes its dedup table by the raw topic it really consumes."""

from __future__ import annotations

from consumers.settings import Settings
from consumers.streaming import worker


def test_dedup_partitions_follow_the_raw_topic(monkeypatch):
    monkeypatch.setattr(worker, "partition_count", lambda settings, topic: 8)
    assert worker.match_raw_partitions(Settings(partitions=4)).partitions == 8


def test_settings_kept_when_they_match_or_the_topic_is_missing(monkeypatch):
    settings = Settings(partitions=4)
    monkeypatch.setattr(worker, "partition_count", lambda settings, topic: 4)
    assert worker.match_raw_partitions(settings) is settings
    monkeypatch.setattr(worker, "partition_count", lambda settings, topic: None)
    assert worker.match_raw_partitions(settings) is settings
