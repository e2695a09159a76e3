"""Where a stream worker's memory goes: RSS after each start-up step, then after pages.

    nice -n 10 .venv/bin/python bench/memory.py [--pages 500] [--default-malloc]

Steps run cumulatively in one fresh process (the order a worker follows): bare interpreter,
library imports, each model, a Pipeline over dev pages (wcxb-dev, from ../shared/data), then
glibc's malloc_trim to show how much of the page phase is freed-but-kept heap. The Faust
consumer buffers are not loaded here (they need a broker): their bounds are printed from
app_config(). --default-malloc leaves glibc's defaults, to compare with the worker's settings.
The page steps are skipped, with a note, without ../shared/data.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Table:
    def __init__(self) -> None:
        self.last = rss_mb()
        print(f"{'step':<46}{'RSS MB':>9}{'delta':>9}")
        self.row("bare python (+ this script)")

    def row(self, step: str) -> None:
        now = rss_mb()
        print(f"{step:<46}{now:>9.1f}{now - self.last:>+9.1f}", flush=True)
        self.last = now


def import_libraries(table: Table) -> None:
    import numpy  # noqa: F401
    table.row("+ import numpy")
    import selectolax.lexbor  # noqa: F401
    import orjson  # noqa: F401
    table.row("+ import selectolax, orjson")
    import aiokafka  # noqa: F401
    import confluent_kafka  # noqa: F401
    table.row("+ import aiokafka, confluent_kafka")
    import faust  # noqa: F401
    table.row("+ import faust")
    import consumers.streaming.app  # noqa: F401
    import consumers.streaming.worker  # noqa: F401
    table.row("+ import consumers.streaming (pipeline code)")


def load_models(table: Table):
    from consumers.pipeline import language
    from consumers.pipeline.classify import load_weights
    from consumers.pipeline.topic import TopicTagger

    language._py3langid()
    table.row("+ py3langid model")
    language._langdetect_factory()
    table.row(f"+ langdetect profiles ({language.langdetect_engine().__name__})")
    load_weights()
    table.row("+ classifier weights")
    topics = TopicTagger()
    table.row("+ topic model")
    return language.LanguageTagger(), topics


def run_pages(table: Table, tagger, topics, count: int) -> None:
    from bench.common import data_root, load_wcxb
    from consumers.pipeline import Pipeline
    from consumers.pipeline.model import BodyFormat, RawPage

    if not (data_root() / "extraction" / "wcxb-dev").exists():
        print(f"(skipped: no dev pages under {data_root()})")
        return
    from consumers.gc_policy import tune_for_pipeline

    tune_for_pipeline()
    table.row("+ gc.freeze (as the worker does)")
    pipeline = Pipeline(language=tagger, topics=topics)
    done = 0
    chunks = 10  # pages loaded a tenth at a time: the harness keeps little alive
    for offset in range(chunks):
        if done >= count:
            break
        for page in load_wcxb(every=chunks, offset=offset):
            if done >= count:
                break
            pipeline.process_page(RawPage(url=page.url, body=page.html, body_format=BodyFormat.HTML))
            done += 1
    gc.collect()
    table.row(f"+ Pipeline over {done} dev pages")
    from consumers.malloc_policy import trim_heap

    if trim_heap():
        table.row("  after malloc_trim(0)")


def print_consumer_bounds() -> None:
    from consumers.settings import Settings
    from consumers.streaming.app import app_config

    config = app_config(Settings.from_env({}))
    keys = ("stream_buffer_maxsize", "consumer_max_fetch_size", "consumer_max_partition_fetch_bytes")
    print("Faust consumer bounds (app_config): "
          + ", ".join(f"{key}={config.get(key, '(Faust default)')}" for key in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--default-malloc", action="store_true",
                        help="skip consumers/malloc_policy.bound_heap() (the worker applies it)")
    args = parser.parse_args()
    if not args.default_malloc:
        from consumers.malloc_policy import bound_heap

        print(f"malloc policy applied: {bound_heap()}")
    print(f"MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', '(unset)')}")
    table = Table()
    import_libraries(table)
    tagger, topics = load_models(table)
    run_pages(table, tagger, topics, args.pages)
    print_consumer_bounds()


if __name__ == "__main__":
    main()
