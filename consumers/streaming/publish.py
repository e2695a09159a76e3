"""Send routed records and wait until the broker acknowledged every one of them.

The agent acks (and so later commits) a batch of raw records only after `publish` returned:
that is the whole at-least-once guarantee. `publish` therefore never gives up on a record: a
failed send is retried with backoff for as long as it takes (the stream stalls and consumer lag
grows, which is what ops should see), except for records the broker can never accept (too
large), which are replaced by a small dead letter saying so.

Each attempt is bounded in time (`attempt_seconds`): a send that hangs (the client waiting for
metadata of a deleted topic, say) counts as failed and is retried, so the failure shows in the
logs and in the observer's metrics instead of as a silent stall.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from ..pipeline.model import Failed, FailureKind
from ..routing import OutgoingRecord

log = logging.getLogger(__name__)

# Enqueues one record and returns its delivery future.
SendFn = Callable[[OutgoingRecord], Awaitable[Awaitable[object]]]


class Publisher(Protocol):
    async def publish(self, records: Sequence[OutgoingRecord]) -> None: ...


class PublishObserver(Protocol):
    """Where failed attempts are reported (consumers.metrics.Metrics is one)."""

    def publish_failed(self, error: BaseException, records: int) -> None: ...

    def publish_pending(self, records: int) -> None: ...


class _Unobserved:
    def publish_failed(self, error: BaseException, records: int) -> None:
        pass

    def publish_pending(self, records: int) -> None:
        pass


class AttemptTimedOut(Exception):
    """The broker did not acknowledge a record within one attempt's time."""


class AckingPublisher:
    """Sends all records of a batch at once (the producer batches them), then awaits every
    delivery future; retries the unacknowledged ones."""

    def __init__(self, send: SendFn, too_large: Callable[[OutgoingRecord, str], OutgoingRecord],
                 is_permanent: Callable[[BaseException], bool], max_backoff: float = 5.0,
                 attempt_seconds: float = 30.0, observer: PublishObserver | None = None) -> None:
        self._send = send
        self._too_large = too_large
        self._is_permanent = is_permanent
        self._max_backoff = max_backoff
        self._attempt_seconds = attempt_seconds
        self._observer = observer or _Unobserved()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        pending = list(records)
        stubs: set[int] = set()
        backoff = 0.1
        while pending:
            retry: list[OutgoingRecord] = []
            transient: BaseException | None = None
            for record, error in zip(pending, await self._send_all(pending)):
                if error is None:
                    continue
                if not self._is_permanent(error):
                    retry.append(record)
                    transient = error
                elif id(record) in stubs:
                    log.error("dropping a dead-letter stub the broker rejects: %r", error)
                else:
                    log.error("record for %s can never be delivered (%r): dead-lettering a stub",
                              record.topic, error)
                    stub = self._too_large(record, repr(error))
                    stubs.add(id(stub))
                    retry.append(stub)
            if transient is not None:
                self._observer.publish_failed(transient, len(retry))
                self._observer.publish_pending(len(retry))
                log.warning("%d records not acknowledged, retrying in %.1fs: %r", len(retry), backoff, transient)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
            pending = retry
        self._observer.publish_pending(0)

    async def _send_all(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        """One attempt: enqueue every record, then await every delivery, all within
        `attempt_seconds`; what is not acknowledged by then is a failure."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._attempt_seconds
        futures: list[Awaitable[object] | BaseException] = []
        for record in records:
            try:
                futures.append(await asyncio.wait_for(self._send(record), max(deadline - loop.time(), 0.001)))
            except asyncio.TimeoutError:
                futures.append(AttemptTimedOut(f"not enqueued within {self._attempt_seconds:g}s"))
            except Exception as exc:  # noqa: BLE001 - collected and retried by the caller
                futures.append(exc)
        results: list[BaseException | None] = []
        for future in futures:
            if isinstance(future, BaseException):
                results.append(future)
                continue
            try:
                # shield: a timed-out delivery may still complete; only our wait ends.
                await asyncio.wait_for(asyncio.shield(future), max(deadline - loop.time(), 0.001))
                results.append(None)
            except asyncio.TimeoutError:
                # Its late outcome is superseded by the retry: retrieve it so asyncio does not log it.
                future.add_done_callback(lambda f: f.cancelled() or f.exception())  # type: ignore[attr-defined]
                results.append(AttemptTimedOut(f"not acknowledged within {self._attempt_seconds:g}s"))
            except Exception as exc:  # noqa: BLE001
                results.append(exc)
        return results


def too_large_stub(record: OutgoingRecord, error: str, dead_letter_topic: str,
                   route_failure: Callable[[Failed], list[OutgoingRecord]]) -> OutgoingRecord:
    """A small dead letter standing in for a record the broker rejected as too large."""
    failed = Failed(FailureKind.TOO_LARGE, f"output for {record.topic} not accepted by the broker: {error}"[:500],
                    record_id=record.key.decode("utf-8", "replace") if record.key else None)
    stubs = route_failure(failed)
    return stubs[0] if stubs else OutgoingRecord(dead_letter_topic, record.key, b"{}", record.headers)
