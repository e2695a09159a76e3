"""Tail's one-line descriptions of outcome records."""

from __future__ import annotations

import orjson

from consumers.tail import describe


def test_article_shows_title_language_topics_key_and_first_words():
    value = orjson.dumps({"kind": "article", "title": "Bridge closes", "language": {"code": "en"},
                          "topics": [{"label": "transport"}], "text": "The old bridge will close in January."})
    text = describe("articles.clean", b"abc123", value)
    assert "Bridge closes" in text and "language=en" in text and "topics=transport" in text
    assert "key=abc123" in text and "The old bridge will close" in text


def test_rejections_and_dead_letters_name_their_reason():
    rejection = orjson.dumps({"kind": "rejection", "reason": "duplicate", "url": "https://e.org/a", "detail": "d"})
    assert describe("pages.rejected", None, rejection).startswith("REJECTED duplicate")
    dead = orjson.dumps({"kind": "dead_letter", "error_kind": "invalid_json", "error_message": "bad"})
    assert describe("pages.deadletter", None, dead).startswith("DEAD     invalid_json")
    assert "unreadable" in describe("x", None, b"\xff")


def test_offsets_for_times_is_retried_while_the_broker_answers_a_retriable_error():
    from confluent_kafka import KafkaError, KafkaException

    from consumers.tail import offsets_at

    class JustStartedBroker:
        calls = 0

        def offsets_for_times(self, partitions, timeout):
            self.calls += 1
            if self.calls < 3:
                raise KafkaException(KafkaError(KafkaError.UNKNOWN_LEADER_EPOCH, retriable=True))
            return partitions

    broker = JustStartedBroker()
    assert offsets_at(broker, ["p"], timeout=1.0) == ["p"] and broker.calls == 3
