"""Extraction quality and speed benchmark: storysift vs trafilatura vs jusText on the same pages.

  .venv/bin/python bench/extract.py [--set wcxb|trafeval|seed|wcxb-text|all] [--limit N] [--every K]
                                    [--systems ours trafilatura justext]

Per set it prints F1/precision/recall (4-token shingles, averaged per page, +- bootstrap spread),
empty outputs, snippet scores (with-recall, without-absent, harmonic mean), pages/s and median
ms/page (extraction only: parse to article text, warm, one process; our text is what the
pipeline publishes, so a page it rejects as holding no story or too little scores as empty),
title accuracy (and
author/date where gold has them), and peak RSS after each system. wcxb is also reported on
article pages alone and on the half of the pages the classifier was NOT trained on (held out by
domain, see bench/train_classifier.py); trafilatura-eval also on its held-out half (odd ids).
trafilatura runs with include_comments=False (the setting published benchmarks use). Exits 0
with a message when ../shared/data is absent.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (GoldPage, data_root, load_seed, load_trafeval, load_wcxb,  # noqa: E402
                          page_precision_recall, same_author, same_date, same_title, snippet_counts,
                          snippet_score, text_score)
from bench.render_text import render  # noqa: E402
from consumers.pipeline.assemble import published_text  # noqa: E402
from consumers.pipeline.classify import classify  # noqa: E402
from consumers.pipeline.deadline import Deadline  # noqa: E402
from consumers.pipeline.html_blocks import parse_html  # noqa: E402
from consumers.pipeline.model import Label, Limits, PageMeta  # noqa: E402
from consumers.pipeline.text_blocks import parse_text  # noqa: E402

LIMITS = Limits()
_JUSTEXT_LANG = {"de": "German", "en": "English", "es": "Spanish", "fr": "French", "pl": "Polish",
                 "it": "Italian", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian"}


@dataclass
class Output:
    text: str
    meta: PageMeta | None
    seconds: float


def ours_html(page: GoldPage) -> Output:
    t0 = time.perf_counter()
    blocks, meta = parse_html(page.html, LIMITS, Deadline.unlimited())
    text = published_text(classify(blocks, meta))
    return Output(text, meta, time.perf_counter() - t0)


def ours_text(page: GoldPage, rendered: str) -> Output:
    t0 = time.perf_counter()
    text = published_text(classify(*parse_text(rendered, LIMITS.max_blocks)))
    return Output(text, None, time.perf_counter() - t0)


def trafilatura_html(page: GoldPage) -> Output:
    import trafilatura

    t0 = time.perf_counter()
    text = trafilatura.extract(page.html, url=page.url or None, include_comments=False) or ""
    seconds = time.perf_counter() - t0
    doc = trafilatura.extract_metadata(page.html, default_url=page.url or None)  # untimed: titles only
    meta = PageMeta(title=doc.title, authors=(doc.author,) if doc.author else (), published=doc.date) if doc else PageMeta()
    return Output(text, meta, seconds)


def justext_html(page: GoldPage) -> Output:
    import justext

    language = _JUSTEXT_LANG.get((page.extra.get("lang") or "en")[:2].lower(), "English")
    t0 = time.perf_counter()
    try:
        paragraphs = justext.justext(page.html, justext.get_stoplist(language))
        text = "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)
    except Exception:  # noqa: BLE001 - jusText raises on some malformed pages: count as empty
        text = ""
    return Output(text, None, time.perf_counter() - t0)


SYSTEMS = {"ours": ours_html, "trafilatura": trafilatura_html, "justext": justext_html}


GC_POLICY = {"product": True}  # --default-gc sets it False


@contextmanager
def timed_gc_policy():
    """The garbage-collector settings the worker and `storysift clean` run with (gc_policy:
    collect, freeze what is loaded, fewer collections), for every system alike. Without them the
    collector keeps re-walking the ~1 GB of loaded pages and earlier outputs, a cost of this
    benchmark process, not of extraction. `--default-gc` measures with Python's defaults."""
    if not GC_POLICY["product"]:
        yield
        return
    from consumers.gc_policy import tune_for_pipeline

    default = gc.get_threshold()
    tune_for_pipeline()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*default)


def run_interleaved(systems: list[str], pages: list[GoldPage]) -> dict[str, list[Output]]:
    """Every system on each page in turn, so load from other processes on a shared machine hits
    all systems alike (the speed ratio is what matters)."""
    gc.collect()
    for page in pages[:3]:  # warm-up (imports, caches); not timed
        for name in systems:
            SYSTEMS[name](page)
    outs: dict[str, list[Output]] = {name: [] for name in systems}
    with timed_gc_policy():
        for page in pages:
            for name in systems:
                outs[name].append(SYSTEMS[name](page))
    return outs


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report_rows(name: str, pages: list[GoldPage], outs: list[Output], full_text: bool) -> list[str]:
    rows = []
    subsets = [("all", list(range(len(pages))))]
    if full_text and any(p.page_type for p in pages):
        subsets.append(("article", [i for i, p in enumerate(pages) if p.page_type == "article"]))
        held = held_out_ids()
        if held:
            subsets.append(("held-out", [i for i, p in enumerate(pages) if p.page_id in held]))
    elif not full_text and (held_snippets := held_out_snippet_pages(pages)):
        subsets.append(("held-out", held_snippets))
    for label, idx in subsets:
        cells = [f"{name:<12}", f"{label:<9}", f"{len(idx):>5}"]
        if full_text:
            pairs = [page_precision_recall(outs[i].text, pages[i].main_text or "") for i in idx]
            empty = sum(not outs[i].text.strip() for i in idx)
            s = text_score(pairs, empty)
            cells += [f"{s.f1:.4f}±{s.f1_spread:.4f}", f"{s.precision:.4f}", f"{s.recall:.4f}", f"{empty:>5}"]
        snip = snippet_score([snippet_counts(outs[i].text, pages[i].with_snippets, pages[i].without_snippets)
                              for i in idx])
        cells += [f"{snip.with_recall:.4f}", f"{snip.without_absent:.4f}", f"{snip.harmonic:.4f}"]
        if label == "all":
            secs = [o.seconds for o in outs]
            cells += [f"{len(outs) / sum(secs):8.1f}", f"{statistics.median(secs) * 1000:7.2f}"]
        else:
            cells += ["", ""]
        rows.append(" | ".join(cells))
    return rows


def meta_rows(name: str, pages: list[GoldPage], outs: list[Output]) -> str:
    if outs[0].meta is None:
        return f"{name:<12} | metadata not produced"
    parts = []
    for field, check, getter in (("title", same_title, lambda m: m.title),
                                 ("author", same_author, lambda m: m.authors),
                                 ("date", same_date, lambda m: m.published)):
        want = [(o, getattr(p, field)) for p, o in zip(pages, outs) if getattr(p, field)]
        if want:
            ok = sum(check(getter(o.meta), w) for o, w in want)
            parts.append(f"{field} {ok}/{len(want)} = {ok / len(want):.3f}")
    return f"{name:<12} | " + ", ".join(parts)


_HELD: set[str] | None = None


def held_out_ids() -> set[str]:
    global _HELD
    if _HELD is None:
        try:
            from bench.train_classifier import domains, is_training_page

            _HELD = {k for k, d in domains().items() if not is_training_page(d)}
        except Exception:  # noqa: BLE001 - the split is optional information
            _HELD = set()
    return _HELD


def held_out_snippet_pages(pages: list[GoldPage]) -> list[int]:
    """Indices of the trafilatura-eval pages the classifier was NOT trained on (odd ids)."""
    try:
        from bench.train_classifier import is_training_snippet_page
    except Exception:  # noqa: BLE001 - the split is optional information
        return []
    return [i for i, p in enumerate(pages) if not is_training_snippet_page(p.page_id)]


def header(full_text: bool) -> str:
    cols = ["system      ", "subset   ", "pages"]
    if full_text:
        cols += ["F1 ± spread    ", "prec  ", "recall", "empty"]
    cols += ["with  ", "w/o   ", "snipH ", "pages/s ", "med ms "]
    return " | ".join(cols)


def bench_html_set(title: str, pages: list[GoldPage], systems: list[str], full_text: bool) -> None:
    print(f"\n## {title}: {len(pages)} pages (systems interleaved page by page)")
    print(header(full_text))
    loaded = peak_mb()
    all_outs = run_interleaved(systems, pages)
    for name in systems:
        for row in report_rows(name, pages, all_outs[name], full_text):
            print(row)
    for name in systems:
        print(meta_rows(name, pages, all_outs[name]))
    print(f"peak RSS of the benchmark process: {loaded:.0f} MB with the pages loaded, {peak_mb():.0f} MB after "
          f"extraction (for ours alone run with --systems ours)")
    sys.stdout.flush()


def bench_wcxb_text(pages: list[GoldPage]) -> None:
    print(f"\n## wcxb-text: {len(pages)} wcxb-dev pages rendered to plain text (bench/render_text.py)")
    print(header(True))
    rendered = [render(p.html) for p in pages]
    with timed_gc_policy():
        outs = [ours_text(p, r) for p, r in zip(pages, rendered)]
        html_outs = [ours_html(p) for p in pages]
    for row in report_rows("ours-text", pages, outs, True):
        print(row)
    for row in report_rows("ours-html", pages, html_outs, True):
        print(row)


def bench_seed() -> None:
    seed = load_seed()
    print("\n## seed: washington-post-iraq-letter.txt")
    if seed is None:
        print("seed page not found")
        return
    text, labels = seed
    t0 = time.perf_counter()
    paragraphs = classify(*parse_text(text, LIMITS.max_blocks))
    ms = (time.perf_counter() - t0) * 1000
    want = [r["text"] for r in labels if r["label"] == "story"]
    got = [p.text for p in paragraphs if p.label is Label.STORY]
    boiler = {r["text"] for r in labels if r["label"] == "boilerplate"}
    print(f"story paragraphs {len(got)} (want {len(want)}), exact and in order: {got == want}, "
          f"missing {sum(w not in got for w in want)}, boilerplate kept {sum(g in boiler for g in got)}, "
          f"{ms:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="extraction benchmark")
    ap.add_argument("--set", default="all", choices=["wcxb", "trafeval", "seed", "wcxb-text", "all"])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--every", type=int, default=1, help="take every K-th page (fixed subset)")
    ap.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    ap.add_argument("--default-gc", action="store_true",
                    help="time with Python's default garbage-collector settings instead of the product's")
    args = ap.parse_args(argv)
    GC_POLICY["product"] = not args.default_gc
    if not data_root().is_dir():
        print(f"development data not found at {data_root()} (set STORYSIFT_SHARED); skipping")
        return 0
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)  # trafilatura/justext log per-page parse trouble
    print(f"# extraction benchmark {time.strftime('%Y-%m-%d %H:%M')} : bench/extract.py {' '.join(argv or sys.argv[1:])}")
    print("# garbage collector while timing: " + ("the product's policy (consumers/gc_policy.py), for every system"
                                                  if GC_POLICY["product"] else "Python's defaults"))
    if args.set in ("seed", "all"):
        bench_seed()
    if args.set in ("wcxb", "all"):
        bench_html_set("wcxb-dev", load_wcxb(every=args.every, limit=args.limit), args.systems, True)
    if args.set in ("trafeval", "all"):
        bench_html_set("trafilatura-eval", load_trafeval(every=args.every, limit=args.limit), args.systems, False)
    if args.set in ("wcxb-text", "all"):
        bench_wcxb_text(load_wcxb(every=args.every, limit=args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
