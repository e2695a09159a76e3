"""Supervisor: a worker stuck on one record is killed and the record dead-lettered; a record that
crashes the worker `crash_attempts` times is dead-lettered; the restarted worker gets a ledger
that names them. Real child processes (tiny scripts), a recording dead-letter writer."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import replace

from consumers.pipeline.model import FailureKind
from consumers.settings import Settings
from consumers.streaming.heartbeat import Heartbeat, PoisonLedger, PoisonRecord, read_in_flight
from consumers.streaming.supervisor import Supervisor, heartbeat_path, ledger_path

# The child: takes record 7 of partition 1 unless the ledger names it; `behaviour` decides what
# happens then. Without poison it exits 0, like a worker stopped by SIGTERM.
CHILD = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    from consumers.streaming.heartbeat import Heartbeat, PoisonLedger
    heartbeat, ledger, behaviour = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    if any(key[1:] == (1, 7) for key in PoisonLedger(ledger).load()):
        sys.exit(0)
    Heartbeat(heartbeat).begin(1, 7)
    if behaviour == "hang":
        time.sleep(60)
    os.kill(os.getpid(), signal.SIGSEGV)
""")


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.written: list[tuple[int, int, FailureKind]] = []

    def write(self, partition: int, offset: int, kind: FailureKind, message: str, give_up=None) -> bool:
        self.written.append((partition, offset, kind))
        return True


def supervisor(tmp_path, behaviour: str, **overrides) -> tuple[Supervisor, RecordingDeadLetters]:
    settings = replace(Settings(data_dir=str(tmp_path)), **overrides)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    command = [sys.executable, str(script), str(heartbeat_path(settings)), str(ledger_path(settings)), behaviour]
    letters = RecordingDeadLetters()
    return Supervisor(settings, command, letters), letters


def test_a_worker_stuck_on_a_record_is_killed_and_the_record_dead_lettered(tmp_path):
    watcher, letters = supervisor(tmp_path, "hang", stuck_record_seconds=1.0)
    assert watcher.run() == 0  # the restarted child finds the record in the ledger and exits
    assert letters.written == [(1, 7, FailureKind.WORKER_HANG)]
    assert list(watcher.ledger.load().values()) == [PoisonRecord("pages.raw", 1, 7, "worker_hang")]


def test_a_record_that_crashes_the_worker_twice_is_dead_lettered(tmp_path):
    watcher, letters = supervisor(tmp_path, "crash", crash_attempts=2)
    assert watcher.run() == 0
    assert letters.written == [(1, 7, FailureKind.WORKER_CRASH)]
    assert watcher.crashes.attempts == {(1, 7): 2}


def test_a_worker_that_exits_by_itself_ends_the_supervisor_with_its_code(tmp_path):
    settings = Settings(data_dir=str(tmp_path))
    watcher = Supervisor(settings, [sys.executable, "-c", "raise SystemExit(78)"], RecordingDeadLetters())
    assert watcher.run() == 78


def test_heartbeat_shows_the_record_in_hand_and_idle_after(tmp_path):
    path = tmp_path / "hb"
    heartbeat = Heartbeat(path)
    assert read_in_flight(path) is None
    heartbeat.begin(3, 42)
    in_flight = read_in_flight(path)
    assert (in_flight.partition, in_flight.offset) == (3, 42) and in_flight.seconds() >= 0
    heartbeat.end()
    assert read_in_flight(path) is None


def test_a_torn_last_ledger_line_is_ignored(tmp_path):
    ledger = PoisonLedger(tmp_path / "poison.jsonl")
    ledger.add(PoisonRecord("raw", 0, 5, "worker_crash"))
    with open(ledger.path, "ab") as out:
        out.write(b'{"topic": "raw", "parti')
    assert list(ledger.load()) == [("raw", 0, 5)]


def test_a_dead_letter_that_cannot_be_written_is_abandoned_when_the_supervisor_stops(tmp_path):
    """Broker down and SIGTERM arrives: stop instead of retrying forever; no ledger entry, so the
    next worker meets the record again rather than skipping a record with no dead letter."""
    from consumers.streaming.supervisor import DeadLetterWriter

    class Unreachable(DeadLetterWriter):
        def _write_once(self, *args):
            raise ConnectionError("broker down")

    writer = Unreachable(Settings(data_dir=str(tmp_path)), retry_seconds=0.01)
    attempts = iter(range(3))
    assert writer.write(1, 7, FailureKind.WORKER_HANG, "stuck", give_up=lambda: next(attempts, None) is None) is False


def writer_holding(settings: Settings, records: dict[int, bytes]):
    """A DeadLetterWriter whose raw topic is a dict: offset -> bytes."""
    from consumers.streaming.gaps import RawEvent, RawMessage
    from consumers.streaming.supervisor import DeadLetterWriter

    class Writer(DeadLetterWriter):
        def read_raw(self, partition, offset):
            if offset not in records:
                return None
            return RawEvent(records[offset], RawMessage(settings.raw_topic, partition, offset, None))

    return Writer(settings)


def test_a_dead_letter_carries_the_original_bytes_and_the_records_identity(tmp_path):
    import base64

    import orjson

    settings = Settings(data_dir=str(tmp_path))
    original = b'{"id": "page-9", "url": "https://example.com/a", "html": "<p>x</p>"}'
    [letter] = writer_holding(settings, {7: original}).letters(1, 7, FailureKind.WORKER_HANG, "stuck")
    body = orjson.loads(letter.value)
    assert letter.topic == settings.dead_letter_topic
    assert base64.b64decode(body["original_base64"]) == original
    assert body["error_kind"] == "worker_hang" and body["id"] == "page-9"


def test_a_record_gone_from_the_topic_is_still_dead_lettered_instead_of_retried_forever(tmp_path):
    import orjson

    settings = Settings(data_dir=str(tmp_path))
    [letter] = writer_holding(settings, {}).letters(1, 7, FailureKind.WORKER_CRASH, "died twice")
    body = orjson.loads(letter.value)
    assert letter.topic == settings.dead_letter_topic and body["error_kind"] == "worker_crash"
    assert "no longer in the topic" in body["error_message"] and dict(letter.headers)["source"].endswith(b"/1/7")
