"""The `storysift` command: worker, clean, replay, topics, tail."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace

from .settings import settings_or_exit


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storysift", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="offline: JSONL raw pages in, JSONL outcomes out")
    clean.add_argument("files", nargs="*", help="JSONL files (stdin when none)")
    clean.add_argument("--workers", type=int, default=1, help="processes to use")
    clean.add_argument("--quiet", action="store_true", help="no progress on stderr")
    clean.add_argument("--strict-urls", action="store_true",
                       help="dead-letter records whose url is not an absolute URL, as the stream does "
                            "(by default they are processed and keyed by their id)")

    worker = sub.add_parser("worker", help="run a stream worker (configure with STORYSIFT_* env vars)")
    worker.add_argument("--loglevel", default="INFO")
    worker.add_argument("--in-process", action="store_true",
                        help="run the worker in this process, without the supervisor that dead-letters "
                             "records which hang or crash it (debugging)")

    replay = sub.add_parser("replay", help="publish raw pages (JSONL, .html, .txt) to the raw topic")
    replay.add_argument("files", nargs="+", help=".jsonl/.ndjson records, or .html/.txt pages (optionally .gz)")
    replay.add_argument("--topic", help="topic to publish to (default: the raw topic)")
    replay.add_argument("--base-url", help="URL prefix for .html/.txt files without a canonical link")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("topics", help="create all topics with the configured partitions")

    tail = sub.add_parser("tail", help="print outcomes arriving on the clean, rejections and dead-letter topics")
    tail.add_argument("--since-ms", type=int, help="start at this record time (epoch ms; default: now)")
    tail.add_argument("--limit", type=int, default=0, help="stop after this many records")
    tail.add_argument("--seconds", type=float, default=0, help="stop after this many seconds")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, _rest = parser.parse_known_args(argv)
    settings = settings_or_exit(f"storysift {args.command}")
    if args.command == "clean":
        from .offline import run_clean

        limits = settings.limits if args.strict_urls else replace(settings.limits, require_absolute_url=False)
        run_clean(args.files, limits, workers=args.workers, progress=not args.quiet)
        return 0
    if args.command == "worker":
        if args.in_process:
            from .streaming.worker import run_worker

            run_worker(settings, loglevel=args.loglevel)
            return 0
        from .streaming.supervisor import run_supervised

        return run_supervised(settings, loglevel=args.loglevel)
    if args.command == "replay":
        from .replay import run_replay

        return run_replay(settings, args.files, args.topic, args.base_url, progress=not args.quiet)
    if args.command == "topics":
        from .broker_access import require_broker_access
        from .streaming.topics import ensure_topics, topic_specs

        logging.basicConfig(level=logging.WARNING)
        require_broker_access(settings, "storysift topics")
        for name, state in ensure_topics(settings, topic_specs(settings)).items():
            print(f"{name}: {state} ({settings.partitions} partitions)")
        return 0
    if args.command == "tail":
        from .tail import run_tail

        return run_tail(settings, since_ms=args.since_ms, limit=args.limit, seconds=args.seconds)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
