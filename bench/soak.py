"""Memory soak through the real local broker (issue 7): RSS per worker over N pages.

Workers consume a raw topic that is fed as they go (never more than `--ahead` pages waiting),
so N can exceed what fits in memory or on disk at once. Every `--sample-seconds` it prints the
pages accounted for and each worker's RSS (supervisor plus Faust child), then a summary: RSS at
the first and last tenth of the run and the least-squares slope in MB per 10,000 pages. Every
input must come out as an article, a rejection or a dead letter: the run checks the count.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
import uuid

import orjson
from confluent_kafka import Consumer, Producer

from stream_bench import (BOOTSTRAP, delete_topics, ensure_broker, make_topics, proc_stats,
                          start_workers, stop)
from throughput import load_pages


class Feeder(threading.Thread):
    """Produces `total` raw records cycled from the dev pages, staying at most `ahead` records
    in front of what the workers have published."""

    def __init__(self, topic: str, pages: list[tuple[str, str]], total: int, ahead: int) -> None:
        super().__init__(daemon=True)
        self.topic, self.pages, self.total, self.ahead = topic, pages, total, ahead
        self.produced = 0
        self.consumed = 0  # updated by the reader
        self.failed: list[str] = []

    def run(self) -> None:
        producer = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 20, "compression.type": "lz4",
                             "message.max.bytes": 10485760, "queue.buffering.max.kbytes": 262144})
        for i, (url, html) in zip(range(self.total), itertools.cycle(self.pages)):
            while self.produced - self.consumed >= self.ahead:
                producer.poll(0.2)
            sep = "&" if "?" in url else "?"
            value = orjson.dumps({"schema_version": 1, "id": f"soak-{i}", "url": f"{url}{sep}soak={i}",
                                  "html": html})
            while True:
                try:
                    producer.produce(self.topic, value, key=str(i).encode(), on_delivery=self._delivered)
                    break
                except BufferError:
                    producer.poll(0.2)
            self.produced += 1
            producer.poll(0)
        producer.flush(120)

    def _delivered(self, error, _msg) -> None:
        if error is not None:
            self.failed.append(str(error))


def run_soak(args) -> int:
    ensure_broker()
    pages = load_pages(None)
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    topics = make_topics(prefix, args.partitions)
    print(f"# bench/throughput.py soak --pages {args.pages} --workers {args.workers}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{args.partitions} partitions, {len(pages)} distinct dev pages cycled, at most {args.ahead} waiting",
          flush=True)
    feeder = Feeder(topics["raw"], pages, args.pages, args.ahead)
    procs = start_workers(args.workers, topics, prefix, 19300, args.partitions)
    reader = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"soak-reader-{uuid.uuid4()}",
                       "auto.offset.reset": "earliest", "enable.auto.commit": False})
    reader.subscribe([topics["clean"], topics["rejected"], topics["dead"]])
    seen: set[bytes] = set()
    samples: list[tuple[int, list[float]]] = []
    started = time.monotonic()
    next_sample = started + args.sample_seconds
    feeder.start()
    try:
        while len(seen) < args.pages:
            if all(p.poll() is not None for p in procs):
                raise RuntimeError("every worker exited; see /tmp/storysift-bench-*.log")
            for msg in reader.consume(1000, 1.0):
                if not msg.error():
                    seen.add(dict(msg.headers() or []).get("source", b"?"))
            feeder.consumed = len(seen)
            if time.monotonic() >= next_sample:
                rss = [proc_stats(p.pid)["rss_mb"] for p in procs if p.poll() is None]
                samples.append((len(seen), rss))
                rate = len(seen) / (time.monotonic() - started)
                print(f"{len(seen):>7} pages  {rate:5.1f} pages/s  RSS MB {' / '.join('%.0f' % r for r in rss)}",
                      flush=True)
                next_sample += args.sample_seconds
    finally:
        stop(procs)
        reader.close()
        delete_topics(topics)
    wall = time.monotonic() - started
    print(f"{len(seen)}/{args.pages} inputs accounted for in {wall / 60:.1f} min "
          f"({len(seen) / wall:.1f} pages/s); produce errors: {len(feeder.failed)}")
    summarise(samples, args.workers)
    return 0 if len(seen) == args.pages and not feeder.failed else 1


def summarise(samples: list[tuple[int, list[float]]], workers: int) -> None:
    if len(samples) < 4:
        print("too few samples for a trend")
        return
    tenth = max(1, len(samples) // 10)
    for w in range(workers):
        points = [(n, rss[w]) for n, rss in samples if len(rss) > w]
        first = statistics.mean(r for _, r in points[:tenth])
        last = statistics.mean(r for _, r in points[-tenth:])
        slope = statistics.linear_regression([n for n, _ in points], [r for _, r in points]).slope
        print(f"worker {w + 1}: RSS {first:.0f} MB over the first tenth, {last:.0f} MB over the last, "
              f"max {max(r for _, r in points):.0f} MB; trend {slope * 10000:+.1f} MB per 10,000 pages")
