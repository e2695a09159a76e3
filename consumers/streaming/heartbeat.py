"""What the worker is processing right now, visible to its supervisor, and the records the
supervisor dead-lettered because they hung or crashed a worker.

A page that hangs the pipeline inside C code (a regex backtracking, a parser blow-up the guards
missed) holds the GIL: no thread of the worker can notice. So the worker writes the partition,
offset and start time of the record in hand to a small memory-mapped file before processing it,
and its supervisor (another process, see supervisor.py) reads that file. Writing costs one
24-byte copy per record.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from .failpoints import Failpoints

_LAYOUT = struct.Struct("<qqd")  # partition, offset (-1: idle), started (CLOCK_MONOTONIC)
IDLE = -1


@dataclass(frozen=True)
class InFlight:
    partition: int
    offset: int
    started: float  # time.monotonic() of the worker; the clock is system-wide on Linux

    def seconds(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.started


class Heartbeat:
    """The worker's side: `begin` before a record, `end` after it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, _LAYOUT.size)
            self._map = mmap.mmap(fd, _LAYOUT.size)
        finally:
            os.close(fd)
        self.end()

    def begin(self, partition: int, offset: int) -> None:
        self._write(partition, offset, time.monotonic())

    def end(self) -> None:
        self._write(IDLE, IDLE, 0.0)

    def _write(self, partition: int, offset: int, started: float) -> None:
        self._map[:_LAYOUT.size] = _LAYOUT.pack(partition, offset, started)


def read_in_flight(path: Path) -> InFlight | None:
    """The supervisor's side: the record the worker is processing, or None when idle."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) < _LAYOUT.size:
        return None
    partition, offset, started = _LAYOUT.unpack_from(data)
    return None if offset == IDLE else InFlight(partition, offset, started)


@dataclass(frozen=True)
class PoisonRecord:
    topic: str
    partition: int
    offset: int
    reason: str  # a FailureKind value


class PoisonLedger:
    """Raw records the supervisor already dead-lettered (one JSON line each, in the data dir):
    a restarted worker must skip them, not hang or crash on them again."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, record: PoisonRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as out:
            out.write(orjson.dumps(record.__dict__) + b"\n")
            out.flush()
            os.fsync(out.fileno())

    def load(self) -> dict[tuple[str, int, int], PoisonRecord]:
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return {}
        records = {}
        for line in lines:
            try:
                record = PoisonRecord(**orjson.loads(line))
            except (orjson.JSONDecodeError, TypeError):
                continue  # a torn last line after a crash: the record is re-handled, not lost
            records[(record.topic, record.partition, record.offset)] = record
        return records


class RecordWatch:
    """What the batch processor calls around each record. This base does nothing (a worker run
    without a supervisor, tests); SupervisedWatch reports to the supervisor."""

    def poisoned(self, topic: str, partition: int, offset: int) -> PoisonRecord | None:
        return None

    def begin(self, partition: int, offset: int, raw: bytes) -> None:
        pass

    def end(self) -> None:
        pass


class SupervisedWatch(RecordWatch):
    def __init__(self, heartbeat: Heartbeat, ledger: PoisonLedger, failpoints: Failpoints | None = None) -> None:
        self.heartbeat = heartbeat
        self.poison = ledger.load()
        self.failpoints = failpoints

    def poisoned(self, topic: str, partition: int, offset: int) -> PoisonRecord | None:
        return self.poison.get((topic, partition, offset)) if self.poison else None

    def begin(self, partition: int, offset: int, raw: bytes) -> None:
        self.heartbeat.begin(partition, offset)
        if self.failpoints is not None:
            self.failpoints.trigger(raw)

    def end(self) -> None:
        self.heartbeat.end()
