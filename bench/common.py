"""Shared helpers for the extraction benchmark, the classifier trainer and the quality gate.

Data location: $STORYSIFT_SHARED/data, else ../shared/data beside the repo. Nothing here copies
the data anywhere; callers read it in place.

Scoring follows ../shared/data/README.md:
- full-text gold: multiset of 4-token shingles (`\\w+`, case kept) on each side; per-page
  precision = shared/extracted, recall = shared/gold; precision and recall averaged over pages,
  F1 = harmonic mean of the averages; bootstrap spread over pages; empty outputs counted.
- snippet gold: recall of `with` snippets found in the output, share of `without` snippets
  correctly absent, and their harmonic mean.
"""

from __future__ import annotations

import gzip
import os
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import orjson

REPO = Path(__file__).resolve().parent.parent
_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def shared_root() -> Path:
    return Path(os.environ.get("STORYSIFT_SHARED", REPO.parent / "shared"))


def data_root() -> Path:
    return shared_root() / "data"


@dataclass(frozen=True)
class GoldPage:
    page_id: str
    url: str
    html: str
    main_text: str | None = None            # full-text gold (wcxb)
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    title: str | None = None
    author: str | None = None
    date: str | None = None
    page_type: str = ""
    extra: dict = field(default_factory=dict)


def load_wcxb(every: int = 1, offset: int = 0, limit: int | None = None) -> list[GoldPage]:
    """wcxb-dev pages in id order; `every`/`offset` pick a fixed subset (e.g. every 10th)."""
    root = data_root() / "extraction" / "wcxb-dev"
    types = orjson.loads((root / "metadata.json").read_bytes())["files"]
    pages: list[GoldPage] = []
    for i, path in enumerate(sorted((root / "html").glob("*.html.gz"))):
        if i % every != offset:
            continue
        page_id = path.name.split(".")[0]
        gold = orjson.loads((root / "ground-truth" / f"{page_id}.json").read_bytes())
        truth = gold["ground_truth"]
        pages.append(GoldPage(
            page_id=page_id, url=gold.get("url") or "", html=gzip.decompress(path.read_bytes()).decode("utf-8", "replace"),
            main_text=truth.get("main_content") or "", with_snippets=tuple(truth.get("with") or ()),
            without_snippets=tuple(truth.get("without") or ()), title=truth.get("title"),
            author=truth.get("author"), date=truth.get("publish_date"),
            page_type=types.get(page_id, {}).get("page_type", ""),
        ))
        if limit and len(pages) >= limit:
            break
    return pages


def load_trafeval(every: int = 1, offset: int = 0, limit: int | None = None) -> list[GoldPage]:
    """trafilatura-eval pages (original bytes decoded the way the pipeline decodes them)."""
    from consumers.pipeline.decode import decode_bytes

    root = data_root() / "extraction" / "trafilatura-eval"
    pages: list[GoldPage] = []
    rows = [orjson.loads(line) for line in (root / "gold.jsonl").read_bytes().splitlines() if line.strip()]
    for i, row in enumerate(rows):
        if i % every != offset:
            continue
        path = root / "html" / f"{row['id']}.html.gz"
        if not path.exists():
            continue
        raw = gzip.decompress(path.read_bytes())
        html = decode_bytes(raw, None, None) or raw.decode("utf-8", "replace")
        pages.append(GoldPage(
            page_id=row["id"], url=row.get("url") or "", html=html,
            with_snippets=tuple(row.get("with") or ()), without_snippets=tuple(row.get("without") or ()),
            title=row.get("title"), author=row.get("author"), date=row.get("date"),
            extra={"lang": row.get("html_lang_attr")},
        ))
        if limit and len(pages) >= limit:
            break
    return pages


def load_seed() -> tuple[str, list[dict]] | None:
    seed = shared_root() / "seed"
    text_path = seed / "washington-post-iraq-letter.txt"
    if not text_path.exists():
        return None
    labels = [orjson.loads(line) for line in (seed / "washington-post-iraq-letter.labels.jsonl").read_bytes().splitlines()
              if line.strip()]
    return text_path.read_text(encoding="utf-8"), labels


# --- full-text scoring ------------------------------------------------------------------

def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page_precision_recall(extracted: str, gold: str) -> tuple[float, float]:
    """Per-page shingle precision and recall. An empty output has precision 0 unless the gold
    is empty too (the empty count is reported beside, so emptiness never looks precise)."""
    got, want = shingles(extracted), shingles(gold)
    if not got and not want:
        return 1.0, 1.0
    shared = sum((got & want).values())
    precision = shared / sum(got.values()) if got else 0.0
    recall = shared / sum(want.values()) if want else 0.0
    return precision, recall


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class TextScore:
    f1: float
    precision: float
    recall: float
    f1_spread: float       # bootstrap standard deviation of F1 over pages
    empty: int
    pages: int


def text_score(pairs: list[tuple[float, float]], empties: int, rounds: int = 200, seed: int = 7) -> TextScore:
    if not pairs:
        return TextScore(0.0, 0.0, 0.0, 0.0, empties, 0)
    n = len(pairs)
    p = sum(x for x, _ in pairs) / n
    r = sum(y for _, y in pairs) / n
    rng = random.Random(seed)
    boots = []
    for _ in range(rounds):
        sample = [pairs[rng.randrange(n)] for _ in range(n)]
        boots.append(f1(sum(x for x, _ in sample) / n, sum(y for _, y in sample) / n))
    mean = sum(boots) / rounds
    spread = (sum((b - mean) ** 2 for b in boots) / rounds) ** 0.5
    return TextScore(f1(p, r), p, r, spread, empties, n)


# --- snippet scoring --------------------------------------------------------------------

def normalise(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


@dataclass(frozen=True)
class SnippetScore:
    with_recall: float      # share of `with` snippets found
    without_absent: float   # share of `without` snippets correctly absent
    harmonic: float
    pages: int


def snippet_counts(extracted: str, with_: Iterable[str], without: Iterable[str]) -> tuple[int, int, int, int]:
    text = normalise(extracted)
    w = [normalise(s) for s in with_ if normalise(s)]
    wo = [normalise(s) for s in without if normalise(s)]
    return sum(s in text for s in w), len(w), sum(s not in text for s in wo), len(wo)


def snippet_score(counts: list[tuple[int, int, int, int]]) -> SnippetScore:
    found = sum(c[0] for c in counts)
    total_with = sum(c[1] for c in counts)
    absent = sum(c[2] for c in counts)
    total_without = sum(c[3] for c in counts)
    rec = found / total_with if total_with else 0.0
    abs_ = absent / total_without if total_without else 0.0
    return SnippetScore(rec, abs_, f1(rec, abs_), len(counts))


# --- metadata ---------------------------------------------------------------------------

def _as_text(value) -> str | None:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value) or None
    return value


def same_title(got: str | None, want: str | None) -> bool:
    """Titles match when their word tokens match case-insensitively (site suffixes count as wrong)."""
    want = _as_text(want)
    if not want:
        return False
    a = [t.lower() for t in _TOKEN.findall(got or "")]
    b = [t.lower() for t in _TOKEN.findall(want)]
    return bool(b) and a == b


def same_date(got: str | None, want: str | None) -> bool:
    want = _as_text(want)
    return bool(want) and bool(got) and got[:10] == want[:10]


def same_author(got: tuple[str, ...] | list[str] | str | None, want: str | None) -> bool:
    want = _as_text(want)
    if not want:
        return False
    if isinstance(got, str):
        got = (got,)
    a = {t.lower() for g in (got or ()) for t in _TOKEN.findall(g)}
    b = {t.lower() for t in _TOKEN.findall(want)}
    return bool(b) and b <= a
