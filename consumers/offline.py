"""`storysift clean`: JSONL raw-page records in, one JSONL outcome line per input line, in order.

Runs the same `Pipeline` as the stream agents; `--workers N` fans lines out to N processes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from multiprocessing import get_context
from typing import BinaryIO

import orjson

from .gc_policy import tune_for_pipeline
from .pipeline import Pipeline
from .pipeline.model import Limits
from .pipeline.records import outcome_record

_pipeline: Pipeline | None = None


def _init_worker(limits: Limits) -> None:
    global _pipeline
    _pipeline = Pipeline(limits)
    tune_for_pipeline()


def clean_line(item: tuple[bytes, dict]) -> bytes:
    line, source = item
    assert _pipeline is not None
    outcome = _pipeline.process(line)
    return orjson.dumps(outcome_record(outcome, line, source, _pipeline.limits.max_record_bytes))


def read_lines(paths: list[str]) -> Iterator[tuple[bytes, dict]]:
    streams: Iterable[tuple[str, BinaryIO]]
    if not paths:
        streams = [("-", sys.stdin.buffer)]
    else:
        streams = ((p, open(p, "rb")) for p in paths)
    for name, stream in streams:
        with stream:
            for number, line in enumerate(stream, start=1):
                yield line.rstrip(b"\r\n"), {"file": name, "line": number}


def run_clean(paths: list[str], limits: Limits, workers: int = 1, out: BinaryIO | None = None,
              progress: bool = True) -> int:
    out = out or sys.stdout.buffer
    lines = read_lines(paths)
    started, count = time.monotonic(), 0
    if workers <= 1:
        _init_worker(limits)
        results: Iterable[bytes] = map(clean_line, lines)
        pool = None
    else:
        pool = get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(limits,))
        results = pool.imap(clean_line, lines, chunksize=8)
    try:
        for encoded in results:
            out.write(encoded + b"\n")
            count += 1
            if progress and count % 500 == 0:
                rate = count / max(time.monotonic() - started, 1e-9)
                print(f"storysift clean: {count} records, {rate:.0f}/s", file=sys.stderr, flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    out.flush()
    if progress and count >= 500:
        print(f"storysift clean: done, {count} records", file=sys.stderr)
    return count
