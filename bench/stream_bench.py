"""End-to-end throughput and delay through the real local broker (issue 7).

Preloads N raw pages into a fresh raw topic, starts 1 then 2 `storysift worker` processes
in one consumer group, and reads every outcome back. Rates come from broker timestamps of
the outputs (first to last published), delays from output CreateTime minus the raw record's
CreateTime (looked up by the `source` header: topic/partition/offset).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from throughput import REPO, _in_child, load_pages, percentiles

BOOTSTRAP = os.environ.get("STORYSIFT_BENCH_BOOTSTRAP", "127.0.0.1:9092")
STORYSIFT = str(REPO / ".venv" / "bin" / "storysift")


def ensure_broker() -> None:
    subprocess.run(["bash", str(REPO / "deploy" / "kafka" / "local-kafka.sh"), "start"], check=True,
                   stdout=subprocess.DEVNULL)


def make_topics(prefix: str, partitions: int) -> dict[str, str]:
    names = {"raw": f"{prefix}.raw", "clean": f"{prefix}.clean", "rejected": f"{prefix}.rejected",
             "dead": f"{prefix}.deadletter"}
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    futures = admin.create_topics([NewTopic(t, partitions, 1, config={"max.message.bytes": "10485760", "retention.bytes": "-1",
                                                    "retention.ms": "86400000"})
                                   for t in names.values()])
    for future in futures.values():
        future.result(30)
    return names


def delete_topics(topics: dict[str, str]) -> None:
    """Bench topics hold gigabytes: drop them once measured."""
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for future in admin.delete_topics(list(topics.values())).values():
        try:
            future.result(30)
        except Exception:  # noqa: BLE001 - best effort clean-up
            pass


def produce(topic: str, records: list[bytes], rate: float | None = None) -> dict[tuple[int, int], int]:
    """Returns (partition, offset) -> CreateTime ms of each delivered record."""
    stamps: dict[tuple[int, int], int] = {}

    def on_delivery(err, msg) -> None:
        if err is None:
            stamps[(msg.partition(), msg.offset())] = msg.timestamp()[1]

    producer = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 5, "message.max.bytes": 10485760,
                         "compression.type": "lz4", "queue.buffering.max.kbytes": 1048576})
    started = time.monotonic()
    for i, value in enumerate(records):
        if rate:
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        while True:
            try:
                producer.produce(topic, value, key=str(i).encode(), on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    producer.flush(120)
    return stamps


def start_workers(count: int, topics: dict[str, str], group: str, base_port: int,
                  partitions: int) -> list[subprocess.Popen]:
    procs = []
    for i in range(count):
        env = dict(os.environ, STORYSIFT_BROKER_URL=f"kafka://{BOOTSTRAP}", STORYSIFT_RAW_TOPIC=topics["raw"],
                   STORYSIFT_CLEAN_TOPIC=topics["clean"], STORYSIFT_REJECTIONS_TOPIC=topics["rejected"],
                   STORYSIFT_DEAD_LETTER_TOPIC=topics["dead"], STORYSIFT_CONSUMER_GROUP=group,
                   STORYSIFT_APP_ID=group, STORYSIFT_METRICS_PORT=str(base_port + 2 * i),
                   STORYSIFT_WEB_PORT=str(base_port + 2 * i + 1),
                   STORYSIFT_DATA_DIR=f"/tmp/storysift-bench/{group}-{i}",
                   STORYSIFT_PARTITIONS=str(partitions))
        log = open(f"/tmp/storysift-bench-{group}-{i}.log", "wb")
        procs.append(subprocess.Popen([STORYSIFT, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT))
    return procs


def collect(topics: dict[str, str], expected: int, timeout: float,
            procs: list[subprocess.Popen] = (), rss_samples: list | None = None) -> list[tuple[str, int, str]]:
    """(source header, output CreateTime ms, kind) for every output until `expected` distinct sources."""
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"bench-reader-{uuid.uuid4()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "fetch.max.bytes": 52428800})
    consumer.subscribe([topics["clean"], topics["rejected"], topics["dead"]])
    seen: dict[str, int] = {}
    outputs = []
    deadline = time.monotonic() + timeout
    next_sample = time.monotonic()
    while len(seen) < expected and time.monotonic() < deadline:
        if procs and all(p.poll() is not None for p in procs):
            raise RuntimeError("every worker exited; see /tmp/storysift-bench-*.log")
        if rss_samples is not None and time.monotonic() >= next_sample:
            rss_samples.append((len(seen), [proc_stats(p.pid)["rss_mb"] for p in procs if p.poll() is None]))
            next_sample += 10
        for msg in consumer.consume(1000, 1.0):
            if msg.error():
                continue
            source = dict(msg.headers() or []).get("source", b"?").decode()
            outputs.append((source, msg.timestamp()[1], msg.topic()))
            seen.setdefault(source, msg.timestamp()[1])
    consumer.close()
    return outputs


def proc_stats(pid: int) -> dict[str, float]:
    """RSS, peak RSS and CPU of a `storysift worker`: its supervisor plus the Faust worker it runs."""
    totals = {"rss_mb": 0.0, "hwm_mb": 0.0, "cpu_s": 0.0}
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
            stat = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        totals["rss_mb"] += int(fields["VmRSS"].split()[0]) / 1024
        totals["hwm_mb"] += int(fields["VmHWM"].split()[0]) / 1024
        totals["cpu_s"] += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return totals


def process_tree(pid: int) -> list[int]:
    members, pending = [], [pid]
    while pending:
        current = pending.pop()
        members.append(current)
        try:
            pending += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            pass
    return members


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def raw_records(pages: list[tuple[str, str]], count: int, tag: str) -> list[bytes]:
    out = []
    for i, (url, html) in zip(range(count), itertools.cycle(pages)):
        sep = "&" if "?" in url else "?"
        out.append(orjson.dumps({"schema_version": 1, "id": f"{tag}-{i}", "url": f"{url}{sep}bench={tag}-{i}",
                                 "html": html}))
    return out


def saturation_run(workers: int, records: list[bytes], partitions: int) -> dict:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    topics = make_topics(prefix, partitions)
    produce(topics["raw"], records)
    procs = start_workers(workers, topics, prefix, 19100, partitions)
    started = time.monotonic()
    rss_samples: list = []
    try:
        outputs = collect(topics, len(records), timeout=1800, procs=procs, rss_samples=rss_samples)
        stats = [proc_stats(p.pid) for p in procs]
    finally:
        stop(procs)
        delete_topics(topics)
    wall = time.monotonic() - started
    first_by_source: dict[str, int] = {}
    for source, ts, _ in outputs:
        first_by_source.setdefault(source, ts)
    stamps = sorted(first_by_source.values())
    # Sustained rate: skip the first 2 % (group join, warm-up) as the start mark.
    skip = max(1, len(stamps) // 50)
    span = (stamps[-1] - stamps[skip]) / 1000
    return {"workers": workers, "outputs": len(outputs), "distinct": len(first_by_source),
            "rate": (len(stamps) - skip) / span if span > 0 else float("nan"), "wall": wall,
            "rss_mb": [s["rss_mb"] for s in stats], "hwm_mb": [s["hwm_mb"] for s in stats],
            "cpu_share": [s["cpu_s"] / wall for s in stats], "rss_samples": rss_samples}


def steady_run(workers: int, records: list[bytes], partitions: int, rate: float) -> dict:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    topics = make_topics(prefix, partitions)
    procs = start_workers(workers, topics, prefix, 19200, partitions)
    try:
        produce(topics["raw"], records[:5])  # warm the group before the timed load
        collect(topics, 5, timeout=120, procs=procs)
        stamps = produce(topics["raw"], records, rate=rate)
        outputs = collect(topics, len(records) + 5, timeout=600, procs=procs)
    finally:
        stop(procs)
        delete_topics(topics)
    delays = []
    seen = set()
    for source, ts, _ in outputs:
        _, partition, offset = source.rsplit("/", 2)
        key = (int(partition), int(offset))
        if key in stamps and key not in seen:
            seen.add(key)
            delays.append((ts - stamps[key]) / 1000)
    return {"rate": rate, "count": len(delays), **percentiles(delays)}


def run_stream_bench(args) -> int:
    ensure_broker()
    pages = load_pages(None)
    records = raw_records(pages, args.pages, "sat")
    print(f"# bench/throughput.py stream --pages {args.pages} --workers {' '.join(map(str, args.workers))}, "
          f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.partitions} partitions, "
          f"{len(pages)} distinct dev pages cycled")
    extraction = _in_child("run_storysift", None)
    extraction_rate = extraction["pages"] / extraction["seconds"]
    print(f"extraction only (same pages, one process, all tags): {extraction_rate:.1f} pages/s", flush=True)
    results = []
    for workers in args.workers:
        result = saturation_run(workers, records, args.partitions)
        results.append(result)
        print(f"workers={workers}: {result['rate']:.1f} pages/s sustained, {result['distinct']}/{len(records)} "
              f"inputs accounted ({result['outputs']} outputs), RSS MB {['%.0f' % r for r in result['rss_mb']]}, "
              f"peak RSS MB {['%.0f' % r for r in result['hwm_mb']]}, CPU share {['%.2f' % c for c in result['cpu_share']]}",
              flush=True)
        samples = result["rss_samples"]
        picks = samples[:: max(1, len(samples) // 8)] + samples[-1:]
        print("  RSS over the run (outputs seen: MB per worker): "
              + ", ".join(f"{n}: {'/'.join('%.0f' % r for r in rss)}" for n, rss in picks), flush=True)
    print(f"Kafka/Faust overhead, 1 worker: end-to-end {results[0]['rate']:.1f} / extraction-only "
          f"{extraction_rate:.1f} pages/s = {results[0]['rate'] / extraction_rate:.2f}")
    if len(results) > 1:
        print(f"scaling {results[-1]['workers']} vs {results[0]['workers']} workers: "
              f"{results[-1]['rate'] / results[0]['rate']:.2f}x")
    steady_rate = results[0]["rate"] / 2
    count = int(steady_rate * args.steady_seconds)
    steady = steady_run(1, raw_records(pages, count, "steady"), args.partitions, steady_rate)
    print(f"steady load {steady_rate:.0f} pages/s for {args.steady_seconds:.0f} s, 1 worker: end-to-end delay "
          f"p50 {steady['p50'] * 1e3:.0f} ms, p95 {steady['p95'] * 1e3:.0f} ms, p99 {steady['p99'] * 1e3:.0f} ms "
          f"({steady['count']} records)")
    return 0


if __name__ == "__main__":
    sys.exit(0)
