"""`storysift worker` runs the Faust worker as a child process and watches it.

A poison page can do what no code inside the worker can recover from: hang in C code holding the
GIL, or crash the process (a segfault in a native parser, the OOM killer). Without a watcher the
partition stops for good (a hang) or the page is retried forever (a crash loop). The supervisor
reads the record the worker has in hand (heartbeat.py) and:

- a record in hand for longer than `stuck_record_seconds`: kill the worker, dead-letter the
  record (`worker_hang`), restart the worker;
- the worker died of a signal with a record in hand: count it; at `crash_attempts`,
  dead-letter the record (`worker_crash`); restart the worker (with backoff if it keeps dying);
- the worker exited by itself (SIGTERM handled, a configuration error, an unconfirmed batch):
  exit with its code, so the platform sees what happened.

A dead-lettered record is written to a ledger in the data dir before the worker restarts; the new
worker skips it (publishing nothing for it), so its offset gets committed and a restart neither
loops on it nor loses it: its original bytes are in the dead-letter topic.
This process imports no Faust and loads no models: it stays small.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..pipeline.model import Failed, FailureKind
from ..settings import Settings
from .heartbeat import InFlight, PoisonLedger, PoisonRecord, read_in_flight

log = logging.getLogger("storysift.supervisor")

POLL_SECONDS = 0.5
# After SIGTERM, how long the worker may take to finish its batch and commit before it is killed
# (a worker hung in C code never runs its signal handler).
STOP_GRACE_SECONDS = 30.0
# A worker that dies sooner than this after starting counts towards the restart backoff.
QUICK_DEATH_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 30.0


def heartbeat_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "supervisor" / "heartbeat"


def ledger_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "supervisor" / "poison.jsonl"


@dataclass
class CrashCounts:
    attempts: dict[tuple[int, int], int] = field(default_factory=dict)

    def count(self, record: InFlight) -> int:
        key = (record.partition, record.offset)
        self.attempts[key] = self.attempts.get(key, 0) + 1
        return self.attempts[key]


class Supervisor:
    def __init__(self, settings: Settings, child_command: list[str], dead_letter: "DeadLetterWriter") -> None:
        self.settings = settings
        self.child_command = child_command
        self.dead_letter = dead_letter
        self.ledger = PoisonLedger(ledger_path(settings))
        self.heartbeat = heartbeat_path(settings)
        self.crashes = CrashCounts()
        self.child: subprocess.Popen | None = None
        self.stopping = False
        self.stop_requested_at = 0.0
        self.unexplained_death = False

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._forward)
        signal.signal(signal.SIGINT, self._forward)
        quick_deaths = 0
        while True:
            started = time.monotonic()
            self.heartbeat.unlink(missing_ok=True)  # no stale record from the last worker
            self.child = subprocess.Popen(self.child_command, preexec_fn=_die_with_parent)
            code = self._watch(self.child)
            if code is not None:
                return code
            # A death with no record in hand has an unknown cause: back off if it repeats.
            unexplained = self.unexplained_death and time.monotonic() - started < QUICK_DEATH_SECONDS
            quick_deaths = quick_deaths + 1 if unexplained else 0
            if quick_deaths:
                pause = min(2.0 ** quick_deaths, MAX_BACKOFF_SECONDS)
                log.warning("worker died %d times in a row soon after starting; restarting in %.0f s",
                            quick_deaths, pause)
                time.sleep(pause)
            if self.stopping:
                return 0

    def _watch(self, child: subprocess.Popen) -> int | None:
        """None: restart the worker; a number: exit with it."""
        self.unexplained_death = False
        while True:
            try:
                code = child.wait(POLL_SECONDS)
            except subprocess.TimeoutExpired:
                code = None
            in_flight = read_in_flight(self.heartbeat)
            if code is None:
                if self.stopping and time.monotonic() - self.stop_requested_at > STOP_GRACE_SECONDS:
                    log.error("worker did not stop within %.0f s of the signal: killing it", STOP_GRACE_SECONDS)
                    child.kill()
                    continue
                if in_flight is not None and in_flight.seconds() > self.settings.stuck_record_seconds:
                    self._kill_stuck(child, in_flight)
                    return None
                continue
            if code >= 0 or self.stopping:
                return code if code >= 0 else 128 - code
            return self._after_crash(code, in_flight)

    def _kill_stuck(self, child: subprocess.Popen, record: InFlight) -> None:
        log.error("worker busy on %s/%d offset %d for %.0f s (limit %.0f s): killing it and dead-lettering "
                  "the record", self.settings.raw_topic, record.partition, record.offset, record.seconds(),
                  self.settings.stuck_record_seconds)
        child.kill()
        child.wait()
        self._dead_letter(record, FailureKind.WORKER_HANG,
                          f"processing did not finish within {self.settings.stuck_record_seconds:g} s; "
                          "the worker was killed")

    def _after_crash(self, code: int, record: InFlight | None) -> None:
        signal_name = _signal_name(-code)
        if record is None:
            log.error("worker died of %s with no record in hand; restarting it", signal_name)
            self.unexplained_death = True
            return None
        attempts = self.crashes.count(record)
        log.error("worker died of %s while processing %s/%d offset %d (attempt %d of %d)", signal_name,
                  self.settings.raw_topic, record.partition, record.offset, attempts, self.settings.crash_attempts)
        if attempts >= self.settings.crash_attempts:
            self._dead_letter(record, FailureKind.WORKER_CRASH,
                              f"the worker process died ({signal_name}) while processing it, {attempts} times")
        return None

    def _dead_letter(self, record: InFlight, kind: FailureKind, message: str) -> None:
        if not self.dead_letter.write(record.partition, record.offset, kind, message, give_up=lambda: self.stopping):
            log.error("stopping before %s/%d offset %d could be dead-lettered: the next worker will meet it again",
                      self.settings.raw_topic, record.partition, record.offset)
            return
        self.ledger.add(PoisonRecord(self.settings.raw_topic, record.partition, record.offset, kind.value))
        log.error("dead-lettered %s/%d offset %d as %s; the restarted worker will skip it",
                  self.settings.raw_topic, record.partition, record.offset, kind.value)

    def _forward(self, signum: int, _frame: Any) -> None:
        if not self.stopping:
            self.stop_requested_at = time.monotonic()
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)


def _die_with_parent() -> None:
    """In the child, before exec: the kernel kills it if the supervisor dies (even by SIGKILL),
    so a worker never outlives its supervisor and keeps a partition nobody watches."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class DeadLetterWriter:
    """Reads the raw record back from Kafka and publishes its dead letter (original bytes and
    the error), retrying until the broker acknowledges it: the worker stays down meanwhile,
    because restarting it first would hit the same record again."""

    def __init__(self, settings: Settings, retry_seconds: float = 5.0) -> None:
        self.settings = settings
        self.retry_seconds = retry_seconds

    def write(self, partition: int, offset: int, kind: FailureKind, message: str,
              give_up: Callable[[], bool] = lambda: False) -> bool:
        """True once written; False if `give_up` said so first (the supervisor is stopping: the
        record is not in the ledger, so the next worker meets it again and it is handled then)."""
        while not give_up():
            try:
                self._write_once(partition, offset, kind, message)
                return True
            except Exception as error:  # noqa: BLE001 - a broker outage: wait and retry
                log.warning("could not dead-letter %s/%d offset %d yet (%s); retrying in %.0f s",
                            self.settings.raw_topic, partition, offset, error, self.retry_seconds)
                time.sleep(self.retry_seconds)
        return False

    def _write_once(self, partition: int, offset: int, kind: FailureKind, message: str) -> None:
        # Imported here: the supervisor stays small until it has a record to dead-letter.
        from confluent_kafka import Producer

        from ..replay import producer_config

        producer = Producer(producer_config(self.settings))
        errors: list[str] = []
        for out in self.letters(partition, offset, kind, message):
            producer.produce(out.topic, out.value, out.key, headers=list(out.headers),
                             on_delivery=lambda error, _msg: errors.append(str(error)) if error else None)
        if producer.flush(30) or errors:
            raise RuntimeError(f"dead letter not acknowledged: {errors or 'timeout'}")

    def letters(self, partition: int, offset: int, kind: FailureKind, message: str) -> list[Any]:
        """The routed dead letter for the raw record at `offset`, with its original bytes when the
        topic still holds it. A record that retention or compaction removed since is still
        dead-lettered (and so skipped by the next worker), saying its bytes are gone: retrying
        would keep the worker down for good."""
        from ..pipeline.decode import load_json, record_identity
        from ..routing import Source, route
        from .processor import source_of

        read = self.read_raw(partition, offset)
        if read is None:
            failed = Failed(kind, f"{message}; the raw record is no longer in the topic (retention or "
                                  "compaction), so its original bytes are not included")
            return route(failed, b"", Source(self.settings.raw_topic, partition, offset), self.settings)
        raw = read.value or b""
        record_id, url = record_identity(load_json(raw))
        return route(Failed(kind, message, record_id=record_id, url=url), raw, source_of(read.message),
                     self.settings)

    def read_raw(self, partition: int, offset: int) -> Any:
        """The raw record (a RawEvent), or None when the topic no longer holds that offset."""
        from .gaps import KafkaOffsetSource

        read = KafkaOffsetSource(self.settings).read(self.settings.raw_topic, partition, offset, offset + 1)
        return read[0] if read else None


def child_command(loglevel: str) -> list[str]:
    return [sys.executable, "-m", "consumers.cli", "worker", "--loglevel", loglevel, "--in-process"]


def run_supervised(settings: Settings, loglevel: str = "INFO") -> int:
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s")
    supervisor = Supervisor(settings, child_command(loglevel), DeadLetterWriter(settings))
    return supervisor.run()
