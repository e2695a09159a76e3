"""Fault 5: poison records. One page hangs the pipeline inside C code (holding the GIL, so no
code in the worker can interrupt it), another crashes the worker process (a segfault). Both are
injected with failpoints (consumers/streaming/failpoints.py). Each must reach the dead-letter
topic with its original bytes after a bounded time, every other record must come through, and a
restarted worker must neither loop on them nor skip anything."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

from fault_checks import check_at_least_once
from kafka_helpers import OutcomeReader, WorkerProcess, create_topics, produce
from page_factory import article_page

PAGES = 600
HANG_AT, CRASH_AT = 150, 400
STUCK_SECONDS = 5.0


def marked(record: bytes, marker: str) -> bytes:
    return record.replace(b"</article>", f"<p>{marker}</p></article>".encode())


def missing(produced, reader: OutcomeReader) -> list[tuple[int, int]]:
    return sorted({(r.partition, r.offset) for r in produced} - reader.sources())


def test_a_record_that_hangs_or_crashes_the_worker_is_dead_lettered_and_never_retried(settings, tmp_path):
    settings = replace(settings, stuck_record_seconds=STUCK_SECONDS, crash_attempts=2,
                       failpoints="hang=POISON-HANG,crash=POISON-CRASH")
    run = settings.consumer_group
    create_topics(settings)
    records = [article_page(run, i) for i in range(PAGES)]
    records[HANG_AT] = marked(records[HANG_AT], "POISON-HANG")
    records[CRASH_AT] = marked(records[CRASH_AT], "POISON-CRASH")
    produced = produce(settings, records)
    poison = {produced[HANG_AT]: "worker_hang", produced[CRASH_AT]: "worker_crash"}
    reader = OutcomeReader(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    began = time.monotonic()
    try:
        done = reader.wait_until(lambda r: len(r.sources()) >= PAGES, timeout=240)
        assert done, (f"{len(reader.sources())}/{PAGES} outcomes, missing {missing(produced, reader)}\n"
                      f"{worker.log_tail(60)}")
        all_seconds = time.monotonic() - began
        assert worker.alive(), "the supervisor gave up"
        worker.stop()

        # A restarted worker with more pages: nothing of the poison records runs again.
        more = produce(settings, [article_page(run, PAGES + i) for i in range(60)])
        worker = WorkerProcess(settings, tmp_path / "worker-restarted.log").start()
        done = reader.wait_until(lambda r: len(r.sources()) >= PAGES + 60, timeout=120)
        assert done, f"{len(reader.sources())}/{PAGES + 60} outcomes after the restart\n{worker.log_tail(60)}"
        reader.poll(2.0)
        restarted_log = worker.log_path.read_text(errors="replace")
    finally:
        worker.stop()
        reader.close()

    figures = check_at_least_once(settings, produced + more, reader.outputs)
    for record, kind in poison.items():
        copies = [o for o in reader.outputs if o.source == (record.partition, record.offset)]
        assert {o.topic for o in copies} == {settings.dead_letter_topic}, copies
        letter = copies[0].value
        assert letter["error_kind"] == kind
        assert base64.b64decode(letter["original_base64"]) == records[produced.index(record)]
    assert "killing it" not in restarted_log and "died of" not in restarted_log, "a poison record ran again"
    worker_log = (tmp_path / "worker.log").read_text(errors="replace")
    print(f"\npoison records (hang after {STUCK_SECONDS:g}s, crash x2): {figures}, all {PAGES} accounted for "
          f"in {all_seconds:.0f}s; supervisor kills {worker_log.count('killing it')}, "
          f"crashes {worker_log.count('died of')}")
