"""The `storysift` command: worker, clean, replay, topics, tail."""

from __future__ import annotations

import argparse
import sys

from .settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storysift", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="offline: JSONL raw pages in, JSONL outcomes out")
    clean.add_argument("files", nargs="*", help="JSONL files (stdin when none)")
    clean.add_argument("--workers", type=int, default=1, help="processes to use")
    clean.add_argument("--quiet", action="store_true", help="no progress on stderr")

    args, _rest = parser.parse_known_args(argv)
    settings = Settings.from_env()
    if args.command == "clean":
        from .offline import run_clean

        run_clean(args.files, settings.limits, workers=args.workers, progress=not args.quiet)
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
