"""OffsetGuard: records Faust never delivered are read back before the batch is processed."""

from __future__ import annotations

import time

from consumers.streaming.gaps import STALL_SECONDS, OffsetGuard, RawEvent, RawMessage

RAW = "pages.raw"


def event(partition: int, offset: int) -> RawEvent:
    return RawEvent(f"{partition}/{offset}".encode(), RawMessage(RAW, partition, offset, None))


class FakeTopic:
    def __init__(self, committed: dict[tuple[str, int], int | None]) -> None:
        self._committed = committed
        self.reads: list[tuple[int, int, int]] = []
        self.lookups = 0

    def committed(self, partitions):
        self.lookups += 1
        return {tp: self._committed.get(tp) for tp in partitions}

    def read(self, topic, partition, start, end):
        self.reads.append((partition, start, end))
        return [event(partition, offset) for offset in range(start, end)]

    def watermarks(self, topic, partition):
        return self.lowwater.get(partition, 0), self.highwater.get(partition, 0)

    highwater: dict[int, int] = {}
    lowwater: dict[int, int] = {}


def offsets(events):
    return [(e.message.partition, e.message.offset) for e in events]


def test_a_record_skipped_after_assignment_is_read_back_in_front():
    topic = FakeTopic({(RAW, 0): 18})
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0)])
    assert offsets(guard.complete([event(0, 19)])) == [(0, 18), (0, 19)]
    assert topic.reads == [(0, 18, 19)] and guard.filled == 1


def test_contiguous_batches_read_nothing_back():
    topic = FakeTopic({(RAW, 0): 5, (RAW, 1): 0})
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0), (RAW, 1)])
    assert offsets(guard.complete([event(0, 5), event(1, 0), event(0, 6)])) == [(0, 5), (1, 0), (0, 6)]
    assert offsets(guard.complete([event(0, 7)])) == [(0, 7)]
    assert topic.reads == []


def test_a_gap_inside_the_stream_is_filled_too():
    guard = OffsetGuard(FakeTopic({(RAW, 0): 0}))
    guard.on_assigned([(RAW, 0)])
    guard.complete([event(0, 0), event(0, 1)])
    assert offsets(guard.complete([event(0, 4)])) == [(0, 2), (0, 3), (0, 4)]


def test_offsets_delivered_again_in_the_same_assignment_are_dropped():
    """Faust at startup: fetched records delivered, the partition sought back to the committed
    offset, the same records delivered again (seen as duplicates within one worker run)."""
    guard = OffsetGuard(FakeTopic({(RAW, 0): 3}))
    guard.on_assigned([(RAW, 0)])
    guard.complete([event(0, 3), event(0, 4)])
    assert offsets(guard.complete([event(0, 3), event(0, 4), event(0, 5)])) == [(0, 5)]
    assert guard.redelivered == 2


def test_after_a_new_assignment_records_after_the_committed_offset_are_processed_again():
    topic = FakeTopic({(RAW, 0): 3})
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0)])
    guard.complete([event(0, 3), event(0, 4)])
    guard.on_revoked([(RAW, 0)])
    guard.on_assigned([(RAW, 0)])  # nothing was committed meanwhile: 3 and 4 are redone
    assert offsets(guard.complete([event(0, 3), event(0, 4)])) == [(0, 3), (0, 4)]


def test_partitions_seen_before_the_assignment_signal_are_looked_up_on_first_batch():
    topic = FakeTopic({(RAW, 2): 10})
    guard = OffsetGuard(topic)
    assert offsets(guard.complete([event(2, 11)])) == [(2, 10), (2, 11)]
    assert topic.lookups == 1
    guard.complete([event(2, 12)])
    assert topic.lookups == 1


def test_without_a_committed_offset_the_partition_starts_at_its_earliest_record():
    """auto offset reset is `earliest`: a first batch that starts later skipped records."""
    topic = FakeTopic({})
    topic.lowwater = {0: 5}  # retention removed 0..4
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0)])
    assert offsets(guard.complete([event(0, 7)])) == [(0, 5), (0, 6), (0, 7)]
    assert offsets(guard.complete([event(0, 9)])) == [(0, 8), (0, 9)]


def test_revoked_partitions_start_over_from_the_committed_offset():
    topic = FakeTopic({(RAW, 0): 0})
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0)])
    guard.complete([event(0, 0)])
    guard.on_revoked([(RAW, 0)])
    topic._committed[(RAW, 0)] = 50  # another worker went on meanwhile
    guard.on_assigned([(RAW, 0)])
    assert offsets(guard.complete([event(0, 50)])) == [(0, 50)]


def test_a_partition_waiting_with_nothing_delivered_is_read_back():
    topic = FakeTopic({(RAW, 0): 4, (RAW, 1): 2})
    topic.highwater = {0: 9, 1: 2}  # partition 1 is caught up, partition 0 has 5 waiting
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0), (RAW, 1)])
    assert guard.stalled_reads(100) == []  # not waited long enough yet
    later = time.monotonic() + STALL_SECONDS + 1
    assert offsets(guard.stalled_reads(3, now=later)) == [(0, 4), (0, 5), (0, 6)]
    assert topic.reads == [(0, 4, 7)]


def test_a_partition_that_delivers_is_not_stalled():
    topic = FakeTopic({(RAW, 0): 0})
    topic.highwater = {0: 50}
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0)])
    guard.complete([event(0, 0)])
    assert guard.stalled_reads(10, now=time.monotonic() + STALL_SECONDS / 2) == []


def test_time_spent_processing_a_batch_is_not_a_stall():
    """A publish blocked on an unavailable topic holds the agent for minutes: Faust cannot deliver
    meanwhile, so reading the waiting records back would only process them twice."""
    topic = FakeTopic({(RAW, 0): 0})
    topic.highwater = {0: 50}
    guard = OffsetGuard(topic)
    guard.on_assigned([(RAW, 0)])
    start = time.monotonic()
    guard.hold(now=start)
    assert guard.stalled_reads(10, now=start + STALL_SECONDS * 4) == []  # held: never a stall
    guard.release(now=start + STALL_SECONDS * 4)
    assert guard.stalled_reads(10, now=start + STALL_SECONDS * 4 + 1) == []  # the clock restarts
    assert offsets(guard.stalled_reads(2, now=start + STALL_SECONDS * 5 + 1)) == [(0, 0), (0, 1)]
