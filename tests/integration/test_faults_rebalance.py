"""Fault 2: two workers share the raw topic; one is stopped gracefully (SIGTERM, as a rolling
deployment does) and later added back, while a crawler keeps producing. Every record must be
accounted for; the rebalances may cause a few duplicates, which are counted and reported."""

from __future__ import annotations

import time
from dataclasses import replace

from fault_checks import check_at_least_once
from kafka_helpers import (OutcomeReader, PacedProducer, WorkerProcess, committed_offsets, create_topics,
                           free_port)
from page_factory import article_page

PAGES = 2000
PER_SECOND = 100.0


def test_graceful_stop_and_rejoin_of_a_worker_while_pages_flow(settings, tmp_path):
    settings = replace(settings, partitions=4)
    run = settings.consumer_group
    create_topics(settings)
    reader = OutcomeReader(settings)
    crawler = PacedProducer(settings, [article_page(run, i) for i in range(PAGES)], PER_SECOND).start()
    first = WorkerProcess(settings, tmp_path / "worker-1.log").start()
    second = WorkerProcess(settings, tmp_path / "worker-2.log", metrics_port=free_port()).start()
    try:
        t0 = time.monotonic()
        assert reader.wait_until(lambda r: len(r.sources()) >= 300, timeout=90), second.log_tail()
        print(f"\n300 outcomes after {time.monotonic() - t0:.1f}s")
        began = time.monotonic()
        exit_code = second.stop()
        stop_seconds = time.monotonic() - began
        assert exit_code == 0, f"SIGTERM gave exit code {exit_code}\n{second.log_tail()}"
        at_stop = len(reader.sources())
        assert reader.wait_until(lambda r: len(r.sources()) >= at_stop + 600, timeout=90), first.log_tail()
        second = WorkerProcess(settings, tmp_path / "worker-2b.log", metrics_port=free_port()).start()
        print(f"rejoin at {time.monotonic() - t0:.1f}s")
        crawler.join(timeout=120)
        print(f"crawler done at {time.monotonic() - t0:.1f}s, {len(reader.sources())} outcomes")
        assert at_stop + 600 < PAGES, "the crawler finished before the rejoin: nothing was tested"
        done = reader.wait_until(lambda r: len(r.sources()) >= PAGES, timeout=120)
        assert done, f"{len(reader.sources())}/{PAGES} outcomes, {progress(settings, reader)}"
        print(f"all outcomes at {time.monotonic() - t0:.1f}s")
        assert first.alive() and second.alive()
        reader.poll(1.0)
    finally:
        first.stop()
        second.stop()
        reader.close()
    figures = check_at_least_once(settings, crawler.produced, reader.outputs)
    print(f"\ntwo workers, SIGTERM one (stopped in {stop_seconds:.1f}s) and rejoin while "
          f"{PER_SECOND:.0f} pages/s flow: {figures}")


def progress(settings, reader) -> str:
    """Per partition: committed offset and outputs seen, for a failure message."""
    seen: dict[int, int] = {}
    for partition, _offset in reader.sources():
        seen[partition] = seen.get(partition, 0) + 1
    committed = committed_offsets(settings)
    sources = reader.sources()
    missing = [(p, o) for p, end in committed.items() for o in range(end) if (p, o) not in sources]
    return f"committed {committed}, outputs per partition {dict(sorted(seen.items()))}, missing {missing[:20]}"
