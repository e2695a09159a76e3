"""AckingPublisher: returns only once every record is acknowledged; never drops one silently."""

from __future__ import annotations

import asyncio

from consumers.routing import OutgoingRecord
from consumers.streaming.publish import AckingPublisher


class TooLarge(Exception):
    pass


class FlakyBroker:
    """Fails the first `failures` deliveries, rejects values over `max_bytes` forever."""

    def __init__(self, failures: int = 0, max_bytes: int = 1000) -> None:
        self.failures = failures
        self.max_bytes = max_bytes
        self.acked: list[OutgoingRecord] = []
        self.attempts = 0

    async def send(self, record: OutgoingRecord):
        self.attempts += 1
        if len(record.value) > self.max_bytes:
            raise TooLarge(len(record.value))
        future = asyncio.get_running_loop().create_future()
        if self.failures > 0:
            self.failures -= 1
            future.set_exception(ConnectionError("broker went away"))
        else:
            self.acked.append(record)
            future.set_result("metadata")
        return future


def record(value: bytes, topic: str = "clean") -> OutgoingRecord:
    return OutgoingRecord(topic, b"key", value, ())


def publisher(broker: FlakyBroker) -> AckingPublisher:
    def stub(original: OutgoingRecord, error: str) -> OutgoingRecord:
        return OutgoingRecord("dead", original.key, b"too large", ())

    return AckingPublisher(broker.send, stub, lambda exc: isinstance(exc, TooLarge), max_backoff=0.01)


def test_transient_failures_are_retried_until_acknowledged():
    broker = FlakyBroker(failures=5)
    records = [record(b"a"), record(b"b"), record(b"c")]
    asyncio.run(publisher(broker).publish(records))
    assert sorted(r.value for r in broker.acked) == [b"a", b"b", b"c"]
    assert broker.attempts > 3


def test_a_record_the_broker_never_accepts_becomes_a_dead_letter_stub():
    broker = FlakyBroker(max_bytes=10)
    asyncio.run(publisher(broker).publish([record(b"small"), record(b"x" * 100)]))
    assert [(r.topic, r.value[:9]) for r in broker.acked] == [("clean", b"small"), ("dead", b"too large")]
