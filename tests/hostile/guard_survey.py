"""Measurements behind the pre-parse guards (not a test: run it by hand when changing guards.py).

    .venv/bin/python tests/hostile/guard_survey.py pages     # dev pages: refusals, depth, cost
    .venv/bin/python tests/hostile/guard_survey.py fuzz 50   # tag soup the guard lets through
    .venv/bin/python tests/hostile/guard_survey.py bombs     # unguarded parser cost (slow: minutes)
    .venv/bin/python tests/hostile/guard_survey.py unscanned 200  # worst parse the fast path lets through

`pages` reads the development pages from $STORYSIFT_SHARED/data (default ../shared/data).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import random
import sys
import time
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from consumers.pipeline.decode import decode_bytes
from consumers.pipeline.guards import html_complexity
from consumers.pipeline.model import Limits

LIMITS = Limits()
UNLIMITED = dataclasses.replace(LIMITS, max_tag_attributes=10**9, max_dom_nodes=10**9, max_select_options=10**9,
                                max_unscanned_start_tags=0)
SCANNED = dataclasses.replace(LIMITS, max_unscanned_start_tags=0)  # no fast path
TAGS = ("a b i u font nobr em strong p div span li ul ol dl dt dd table tr td th tbody caption select option "
        "optgroup template svg math foreignObject mi mo g button form h1 h2 label textarea applet object marquee "
        "frameset frame body html head ruby rt rp colgroup col input br img hr image isindex keygen noscript "
        "noembed").split()
BOMBS = {
    "100k nested <div>": "<div>" * 100_000,
    "40k attributes on one tag": "<div " + " ".join(f"a{i}=1" for i in range(40_000)) + ">x</div>",
    "20k <option> in a <select>": "<select>" + "<option>x</option>" * 20_000,
    "40k misnested <a><div>": "<a href=x><div>" * 40_000,
    "40k unclosed <font id> then <p>": "".join(f"<font id={i}>" for i in range(40_000)) + "<p>x" * 1000,
    "60k <rt> outside <ruby>": "<rt>" * 60_000,
    "60k <optgroup> outside <select>": "<optgroup>" * 60_000,
    "60k <option><b>": "<option><b>" * 60_000,
}

# The repeated unit of each bomb ({i}: its serial number) and what follows it, to scale a bomb
# to any number of start tags (half units, half tail when there is one).
SHAPES = {
    "nested <div>": ("<div>", ""), "<option> in a <select>": ("<option>x", ""),
    "misnested <a><div>": ("<a href=x><div>", ""), "unclosed <font id> then <p>": ("<font id={i}>", "<p>x"),
    "<rt> outside <ruby>": ("<rt>", ""), "<optgroup> outside <select>": ("<optgroup>", ""),
    "<option><b>": ("<option><b>", ""), "<p><b id> re-opened": ("<p><b id={i}>x</p>", ""),
    "nested <ul><li>": ("<ul><li>", ""), "<p><span><div>": ("<p><span>x<div>", ""),
}


def estimated_depth(html: str) -> int:
    low, high = 0, 4096
    while low < high:
        middle = (low + high) // 2
        if html_complexity(html, dataclasses.replace(UNLIMITED, max_dom_depth=middle)):
            low = middle + 1
        else:
            high = middle
    return low


def survey_pages() -> None:
    root = Path(os.environ.get("STORYSIFT_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "data"
    files = sorted(root.glob("extraction/*/html/*.html.gz"))
    if not files:
        sys.exit(f"no pages under {root}")
    refused, depths, seconds, scanned_seconds, skipped, chars = [], [], 0.0, 0.0, 0, 0
    for path in files:
        html = decode_bytes(gzip.open(path).read(), None, None) or ""
        started = time.perf_counter()
        problem = html_complexity(html, LIMITS)
        seconds += time.perf_counter() - started
        started = time.perf_counter()
        scanned_problem = html_complexity(html, SCANNED)
        scanned_seconds += time.perf_counter() - started
        skipped += start_tags(html) <= LIMITS.max_unscanned_start_tags
        chars += len(html)
        if problem or scanned_problem:
            refused.append((path.name, problem or scanned_problem))
        depths.append(estimated_depth(html))
    depths.sort()
    print(f"{len(files)} pages, {chars / 1e6:.0f} M chars: {len(refused)} refused {refused[:5]}")
    print(f"pre-scan {1000 * seconds / len(files):.2f} ms per page, {1000 * seconds / (chars / 1e6):.1f} ms per M chars "
          f"({skipped} pages under max_unscanned_start_tags; detailed scan of every page "
          f"{1000 * scanned_seconds / len(files):.2f} ms per page)")
    print(f"estimated depth median "
          f"{depths[len(depths) // 2]}, p99 {depths[int(len(depths) * 0.99)]}, max {depths[-1]} "
          f"(limit {LIMITS.max_dom_depth})")


def fuzz(rounds: int) -> None:
    results = []
    for seed in range(rounds):
        rng = random.Random(seed)
        vocabulary = rng.sample(TAGS, rng.randint(2, 8))
        close_share = rng.random() * 0.6
        parts = []
        for index in range(rng.choice((20_000, 60_000, 150_000))):
            tag, draw = rng.choice(vocabulary), rng.random()
            parts.append(f"</{tag}>" if draw < close_share else
                         f"<{tag} id={index}>x" if draw < close_share + 0.1 else f"<{tag}>")
        html = "".join(parts)
        if html_complexity(html, LIMITS) is None:
            started = time.perf_counter()
            LexborHTMLParser(html)
            results.append((time.perf_counter() - started, len(parts), vocabulary))
    results.sort(reverse=True)
    print(f"{rounds} soups, {len(results)} let through; slowest parses:")
    for seconds, tags, vocabulary in results[:5]:
        print(f"  {seconds:.3f} s  {tags} tags of {vocabulary}")


def start_tags(html: str) -> int:
    return html.count("<") - html.count("</")  # what the guard's fast path counts


def unscanned(rounds: int) -> None:
    """Parse time of pages the fast path skips (max_unscanned_start_tags start tags): every bomb
    shape scaled to that size, then random soups of that size (the slowest ones)."""
    budget = LIMITS.max_unscanned_start_tags
    timings = []
    for name, (unit, tail) in SHAPES.items():
        units = (budget // 2 if tail else budget) // start_tags(unit)
        html = "".join(unit.format(i=i) for i in range(units)) + tail * ((budget - units * start_tags(unit)) // max(1, start_tags(tail)))
        timings.append((_parse_seconds(html), start_tags(html), name))
    for seed in range(rounds):
        rng = random.Random(seed)
        vocabulary = rng.sample(TAGS, rng.randint(2, 8))
        close_share, parts = rng.random() * 0.6, []
        while sum(not p.startswith("</") for p in parts) < budget:
            tag, draw = rng.choice(vocabulary), rng.random()
            parts.append(f"</{tag}>" if draw < close_share else f"<{tag} id={len(parts)}>x" if draw < close_share + 0.1
                         else f"<{tag}>")
        timings.append((_parse_seconds("".join(parts)), budget, f"soup of {vocabulary}"))
    timings.sort(reverse=True)
    print(f"at most {budget} start tags: {len(timings)} pages, slowest parses:")
    for seconds, tags, name in timings[:8]:
        print(f"  {1000 * seconds:.1f} ms  {tags} start tags  {name}")


def _parse_seconds(html: str) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        LexborHTMLParser(html)
        best = min(best, time.perf_counter() - started)
    return best


def bombs() -> None:
    for name, html in BOMBS.items():
        started = time.perf_counter()
        LexborHTMLParser(html)
        parse = time.perf_counter() - started
        print(f"{name}: parse {parse:.2f} s unguarded; guard says {html_complexity(html, LIMITS)!r}", flush=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "pages"
    if command == "pages":
        survey_pages()
    elif command == "fuzz":
        fuzz(int(sys.argv[2]) if len(sys.argv) > 2 else 30)
    elif command == "unscanned":
        unscanned(int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    elif command == "bombs":
        bombs()
    else:
        sys.exit(__doc__)
