"""Not a test: measures one worker's end-to-end throughput on the real broker.

    KAFKA_PORT=9092 .venv/bin/python tests/integration/measure_throughput.py --pages 2000 --batch 100

Produces N distinct pages, starts `storysift worker`, and reports pages/s from the first to the
last outcome read back (outputs are read from the broker, so only acknowledged ones count).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kafka_helpers import (OutcomeReader, WorkerProcess, create_topics, delete_topics_with_prefix,  # noqa: E402
                           produce, unique_settings)
from page_factory import article_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batch-seconds", type=float, default=0.2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = unique_settings(f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}", Path(tmp),
                                   batch_size=args.batch, batch_seconds=args.batch_seconds, partitions=4)
        create_topics(settings)
        produced = produce(settings, [article_page(settings.consumer_group, i) for i in range(args.pages)])
        reader = OutcomeReader(settings)
        worker = WorkerProcess(settings, Path(tmp) / "worker.log").start()
        try:
            assert reader.wait_until(lambda r: len(r.outputs) >= 1, timeout=60), worker.log_tail()
            started = time.monotonic()
            first = len(reader.outputs)
            assert reader.wait_until(lambda r: len(r.sources()) >= len(produced), timeout=600), worker.log_tail()
            seconds = time.monotonic() - started
        finally:
            worker.stop()
            reader.close()
            delete_topics_with_prefix(settings.bootstrap_servers, settings.consumer_group)
        rate = (len(reader.outputs) - first) / seconds
        print(f"pages={args.pages} batch={args.batch}: {rate:.0f} pages/s end to end "
              f"({seconds:.1f}s after the first outcome)")


if __name__ == "__main__":
    main()
