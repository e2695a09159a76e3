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


class RecordingObserver:
    def __init__(self) -> None:
        self.failures: list[tuple[str, int]] = []
        self.pending: list[int] = []

    def publish_failed(self, error: BaseException, records: int) -> None:
        self.failures.append((type(error).__name__, records))

    def publish_pending(self, records: int) -> None:
        self.pending.append(records)


class HangingBroker(FlakyBroker):
    """Never acknowledges the first `hangs` sends (a deleted topic, a partitioned network)."""

    def __init__(self, hangs: int) -> None:
        super().__init__()
        self.hangs = hangs

    async def send(self, record: OutgoingRecord):
        if self.hangs > 0:
            self.hangs -= 1
            self.attempts += 1
            return asyncio.get_running_loop().create_future()  # never resolved
        return await super().send(record)


def test_a_delivery_that_never_comes_is_retried_after_the_attempt_time_and_reported():
    broker, observer = HangingBroker(hangs=2), RecordingObserver()
    publisher = AckingPublisher(broker.send, lambda r, e: r, lambda exc: False, max_backoff=0.01,
                                attempt_seconds=0.05, observer=observer)
    asyncio.run(publisher.publish([record(b"a"), record(b"b")]))
    assert sorted(r.value for r in broker.acked) == [b"a", b"b"]
    assert observer.failures == [("AttemptTimedOut", 2)]
    assert observer.pending == [2, 0]  # the gauge goes back to 0 once all are acknowledged


def test_failed_attempts_are_reported_with_the_error_type_and_count():
    broker, observer = FlakyBroker(failures=1), RecordingObserver()
    publisher = AckingPublisher(broker.send, lambda r, e: r, lambda exc: False, max_backoff=0.01, observer=observer)
    asyncio.run(publisher.publish([record(b"a"), record(b"b")]))
    assert observer.failures == [("ConnectionError", 1)]
    assert observer.pending[-1] == 0
