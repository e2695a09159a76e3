"""Throughput and latency benchmark (issue 7). Prints tables; never a timed test.

  .venv/bin/python bench/throughput.py pipeline [--limit N]
      extraction only, all tags included, one warm process, trafilatura in the same run
  .venv/bin/python bench/throughput.py stream --pages 20000 --workers 1 2
      end to end through the real local broker (see bench/stream_bench.py)
  .venv/bin/python bench/throughput.py soak --pages 100000 --workers 2
      RSS per worker over a long run through the real local broker (see bench/soak.py)

Pages come from ../shared/data (wcxb-dev and trafilatura-eval HTML); without it the
benchmark says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STORYSIFT_SHARED", REPO.parent / "shared")) / "data"


def load_pages(limit: int | None) -> list[tuple[str, str]]:
    """(url, html) pairs from the dev sets, in a fixed order."""
    from consumers.pipeline.decode import decode_bytes  # trafilatura-eval pages are bytes

    pages: list[tuple[str, str]] = []
    limit = limit or 10**9
    wcxb = SHARED / "extraction" / "wcxb-dev"
    for path in sorted((wcxb / "html").glob("*.html.gz")):
        gold = orjson.loads((wcxb / "ground-truth" / path.name.replace(".html.gz", ".json")).read_bytes())
        url = gold.get("url") or f"https://wcxb.example/{path.name}"
        pages.append((url, gzip.decompress(path.read_bytes()).decode("utf-8", "replace")))
        if len(pages) >= limit:
            return pages
    teval = SHARED / "extraction" / "trafilatura-eval"
    urls = {}
    if (teval / "gold.jsonl").exists():
        for line in (teval / "gold.jsonl").read_bytes().splitlines():
            row = orjson.loads(line)
            urls[row["id"]] = row.get("url")
    for path in sorted((teval / "html").glob("*.html.gz")):
        page_id = path.name.split(".")[0]
        raw = gzip.decompress(path.read_bytes())
        html = decode_bytes(raw, None, None) or raw.decode("utf-8", "replace")
        pages.append((urls.get(page_id) or f"https://teval.example/{page_id}", html))
        if len(pages) >= limit:
            break
    return pages


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.fmean(ordered)}


def run_storysift(limit: int | None) -> dict:
    from consumers.pipeline import Pipeline, StageTimer
    from consumers.pipeline.records import outcome_record

    records = [orjson.dumps({"id": str(i), "url": url, "html": html})
               for i, (url, html) in enumerate(load_pages(limit))]
    from consumers.gc_policy import tune_for_pipeline

    pipeline = Pipeline()
    tune_for_pipeline()  # as the worker and `storysift clean` do
    for raw in records[:20]:  # warm-up: langdetect profiles, model load, caches
        orjson.dumps(outcome_record(pipeline.process(raw), raw))
    stage_totals: dict[str, float] = {}
    per_page: list[float] = []
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    for raw in records:
        t0 = time.perf_counter()
        timer = StageTimer()
        outcome = pipeline.process(raw, timer)
        t1 = time.perf_counter()
        orjson.dumps(outcome_record(outcome, raw))
        t2 = time.perf_counter()
        per_page.append(t2 - t0)
        for stage, seconds in timer.seconds.items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
        stage_totals["serialize"] = stage_totals.get("serialize", 0.0) + (t2 - t1)
        kind = type(outcome).__name__
        kinds[kind] = kinds.get(kind, 0) + 1
    elapsed = time.perf_counter() - started
    return {"name": "storysift (all tags)", "pages": len(records), "seconds": elapsed, "per_page": per_page,
            "stages": stage_totals, "kinds": kinds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_trafilatura(limit: int | None) -> dict:
    import trafilatura

    pages = load_pages(limit)
    for _, html in pages[:20]:
        trafilatura.extract(html, include_comments=False)
    per_page: list[float] = []
    started = time.perf_counter()
    for url, html in pages:
        t0 = time.perf_counter()
        trafilatura.extract(html, url=url, include_comments=False)
        per_page.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return {"name": "trafilatura 2.3 (no tags)", "pages": len(pages), "seconds": elapsed, "per_page": per_page,
            "stages": {}, "kinds": {},
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _in_child(fn_name: str, limit: int | None) -> dict:
    """Each extractor runs in a fresh process so peak RSS is its own."""
    with get_context("spawn").Pool(1) as pool:
        return pool.apply(globals()[fn_name], (limit,))


def print_pipeline_table(results: list[dict]) -> None:
    print(f"{'extractor':28} {'pages':>6} {'pages/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'peak RSS MB':>11}")
    for r in results:
        pct = percentiles(r["per_page"])
        print(f"{r['name']:28} {r['pages']:>6} {r['pages'] / r['seconds']:>8.1f} {pct['p50'] * 1e3:>7.2f} "
              f"{pct['p95'] * 1e3:>7.2f} {pct['p99'] * 1e3:>7.2f} {r['peak_rss_mb']:>11.0f}")
    ours, ref = results[0], results[1]
    ratio = (ours["pages"] / ours["seconds"]) / (ref["pages"] / ref["seconds"])
    print(f"\nspeed ratio storysift / trafilatura: {ratio:.2f}x (target 10x)")
    total = sum(ours["stages"].values())
    print("\ntime by stage (storysift):")
    for stage, seconds in sorted(ours["stages"].items(), key=lambda kv: -kv[1]):
        print(f"  {stage:10} {seconds / ours['pages'] * 1e3:7.3f} ms/page  {100 * seconds / total:5.1f} %")
    print(f"outcomes: {ours['kinds']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    pipe = sub.add_parser("pipeline", help="extraction only, one process")
    pipe.add_argument("--limit", type=int, default=None)
    stream = sub.add_parser("stream", help="end to end through the real broker")
    stream.add_argument("--pages", type=int, default=20000)
    stream.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    stream.add_argument("--partitions", type=int, default=8)
    stream.add_argument("--steady-seconds", type=float, default=30.0)
    soak = sub.add_parser("soak", help="RSS per worker over a long run through the real broker")
    soak.add_argument("--pages", type=int, default=100000)
    soak.add_argument("--workers", type=int, default=2)
    soak.add_argument("--partitions", type=int, default=8)
    soak.add_argument("--ahead", type=int, default=2000, help="most raw pages waiting at any time")
    soak.add_argument("--sample-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: development data not found at {SHARED}")
        return 0
    if args.mode == "pipeline":
        print(f"# bench/throughput.py pipeline, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
        results = [_in_child("run_storysift", args.limit), _in_child("run_trafilatura", args.limit)]
        print_pipeline_table(results)
        return 0
    if args.mode == "soak":
        from soak import run_soak

        return run_soak(args)
    from stream_bench import run_stream_bench

    return run_stream_bench(args)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
