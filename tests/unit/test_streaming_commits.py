"""What may be committed: never past a batch that is not yet published, whatever Faust acked."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from intervaltree import IntervalTree
from test_streaming_gaps import RAW, FakeTopic, event

from consumers.streaming.app import install_commit_guard
from consumers.streaming.gaps import OffsetGuard


def assigned_guard(committed: dict[int, int | None]) -> OffsetGuard:
    guard = OffsetGuard(FakeTopic({(RAW, p): c for p, c in committed.items()}))
    guard.on_assigned([(RAW, p) for p in committed])
    return guard


def test_nothing_is_committable_past_a_batch_in_flight():
    guard = assigned_guard({0: 10})
    claim = guard.claim([event(0, 14)])  # 10..13 read back: the claim starts at 10
    assert guard.committable((RAW, 0)) == 10
    guard.settle(claim)
    assert guard.committable((RAW, 0)) == 15


def test_a_later_batch_settling_first_does_not_move_past_an_earlier_one():
    guard = assigned_guard({0: 0})
    earlier = guard.claim([event(0, 0), event(0, 1)])
    later = guard.claim([event(0, 2), event(0, 3)])  # the stall reader, say, beside the agent
    guard.settle(later)
    assert guard.committable((RAW, 0)) == 0
    guard.settle(earlier)
    assert guard.committable((RAW, 0)) == 4


def test_redelivered_records_alone_move_nothing():
    guard = assigned_guard({0: 0})
    guard.settle(guard.claim([event(0, 0), event(0, 1)]))
    again = guard.claim([event(0, 0), event(0, 1)])
    assert again.events == [] and guard.committable((RAW, 0)) == 2


def test_a_claim_from_before_a_reassignment_settles_nothing():
    guard = assigned_guard({0: 5})
    stale = guard.claim([event(0, 5), event(0, 6)])
    guard.on_revoked([(RAW, 0)])
    assert guard.committable((RAW, 0)) is None
    guard.on_assigned([(RAW, 0)])
    guard.settle(stale)
    assert guard.committable((RAW, 0)) == 5


class TP(NamedTuple):
    topic: str
    partition: int


class FakeFaustConsumer:
    """The parts of faust's Consumer the commit guard replaces or trims."""

    def __init__(self, assignment: set[TP]) -> None:
        self._assignment = assignment
        self._acked: dict[TP, list[int]] = defaultdict(list)
        self._acked_index: dict[TP, set[int]] = defaultdict(set)
        self._gap: dict[TP, IntervalTree] = defaultdict(IntervalTree)
        self._committed_offset: dict[TP, int | None] = defaultdict(lambda: None)

    def assignment(self) -> set[TP]:
        return self._assignment

    def _should_commit(self, tp: TP, offset: int) -> bool:
        committed = self._committed_offset[tp]
        return committed is None or bool(offset) and offset > committed

    def _filter_committable_offsets(self, tps) -> dict[TP, int]:
        # Faust's answer from its acks and gap bookkeeping: here, wrongly, past a batch in flight.
        return {tp: max(self._acked[tp]) + 1 for tp in tps if self._acked[tp]}


def test_the_guard_decides_raw_offsets_and_faust_the_others():
    raw, changelog = TP(RAW, 0), TP("app-dedup-changelog", 0)
    consumer = FakeFaustConsumer({raw, changelog})
    guard = assigned_guard({0: 10})
    install_commit_guard(consumer, RAW, guard)
    install_commit_guard(consumer, RAW, guard)  # idempotent: every assignment calls it
    claim = guard.claim([event(0, 12)])
    consumer._acked[raw] += [10, 11, 12]
    consumer._acked_index[raw] |= {10, 11, 12}
    consumer._gap[raw].addi(10, 13)
    consumer._acked[changelog] += [3]
    consumer._committed_offset[raw] = 10  # Faust's seek to the committed offsets sets it
    assert consumer._filter_committable_offsets([raw, changelog]) == {changelog: 4}  # not 13: 12 is in flight
    guard.settle(claim)
    assert consumer._filter_committable_offsets([raw]) == {raw: 13}
    assert consumer._acked[raw] == [] and consumer._acked_index[raw] == set() and not consumer._gap[raw]
