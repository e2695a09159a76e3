"""Readers for the tagging development data in ../shared/data (never copied into the repo).

Shared by bench/tags.py, bench/train_topics.py and tests/quality/test_tag_quality.py.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from consumers.pipeline.langcodes import flores_to_iso

REPO = Path(__file__).resolve().parent.parent
csv.field_size_limit(1 << 30)


def shared_data() -> Path | None:
    root = Path(os.environ.get("STORYSIFT_SHARED", REPO.parent / "shared")) / "data"
    return root if root.is_dir() else None


# --- language identification: SIB-200 (FLORES-200 sentences) ---------------------------------

@dataclass(frozen=True)
class LangText:
    flores: str   # e.g. "azj_Latn"
    gold: str     # ISO 639-1 / zh-hans / zh-hant / und (no ISO 639-1 code)
    text: str


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def sib_varieties(data: Path) -> list[str]:
    root = data / "langid" / "sib200"
    return sorted(p.name for p in root.iterdir() if (p / "dev.tsv").is_file())


def sib_sentences(data: Path, flores: str, split: str = "dev") -> list[dict[str, str]]:
    return _tsv(data / "langid" / "sib200" / flores / f"{split}.tsv")


_ARTICLE_TARGETS = (600, 1000, 1400, 2000)


def article_texts(sentences: list[str]) -> list[str]:
    """Consecutive sentences joined into texts of 600 to 2,000 characters (targets cycle)."""
    texts, current = [], ""
    for sentence in sentences:
        joined = f"{current} {sentence}".strip()
        if len(joined) > 2000:
            if len(current) >= 600:
                texts.append(current)
            joined = sentence
        current = joined
        if len(current) >= _ARTICLE_TARGETS[len(texts) % len(_ARTICLE_TARGETS)]:
            texts.append(current)
            current = ""
    return texts


def langid_sets(data: Path, varieties: list[str] | None = None,
                per_variety: int | None = None) -> dict[str, list[LangText]]:
    """{"sentence": [...], "article": [...]} from the SIB-200 dev split."""
    sets: dict[str, list[LangText]] = {"sentence": [], "article": []}
    for flores in varieties or sib_varieties(data):
        gold = flores_to_iso(flores)
        sentences = [row["text"] for row in sib_sentences(data, flores)]
        chosen = sentences[:per_variety] if per_variety else sentences
        sets["sentence"] += [LangText(flores, gold, s) for s in chosen]
        articles = article_texts(sentences)
        sets["article"] += [LangText(flores, gold, a) for a in (articles[:max(1, per_variety // 10)]
                                                                 if per_variety else articles)]
    return sets


# --- topics: MasakhaNEWS articles and SIB-200 sentence categories -----------------------------

@dataclass(frozen=True)
class NewsArticle:
    language: str  # MasakhaNEWS folder, e.g. "eng"
    label: str     # IPTC top-level qcode
    headline: str
    text: str
    url: str


# MasakhaNEWS folder -> (ISO 639-1 code or None, FLORES variety with SIB-200 sentences or None)
MASAKHANEWS_LANGUAGES = {
    "amh": ("am", "amh_Ethi"), "eng": ("en", "eng_Latn"), "fra": ("fr", "fra_Latn"),
    "hau": ("ha", "hau_Latn"), "ibo": ("ig", "ibo_Latn"), "lin": ("ln", "lin_Latn"),
    "lug": ("lg", "lug_Latn"), "orm": ("om", "gaz_Latn"), "pcm": (None, None),
    "run": ("rn", "run_Latn"), "sna": ("sn", "sna_Latn"), "som": ("so", "som_Latn"),
    "swa": ("sw", "swh_Latn"), "tir": ("ti", "tir_Ethi"), "xho": ("xh", "xho_Latn"),
    "yor": ("yo", "yor_Latn"),
}

# Dataset labels -> IPTC Media Topics top level. SIB-200 "geography" (encyclopaedic facts about
# places) matches no news topic well, so it is left out rather than forced into one.
MASAKHANEWS_TO_IPTC = {
    "business": "medtop:04000000", "entertainment": "medtop:01000000", "health": "medtop:07000000",
    "politics": "medtop:11000000", "religion": "medtop:12000000", "sports": "medtop:15000000",
    "technology": "medtop:13000000",
}
SIB_TO_IPTC = {
    "science/technology": "medtop:13000000", "travel": "medtop:10000000",
    "politics": "medtop:11000000", "sports": "medtop:15000000", "health": "medtop:07000000",
    "entertainment": "medtop:01000000",
}


def news_articles(data: Path, language: str) -> list[NewsArticle]:
    rows = _tsv(data / "topics" / "masakhanews" / language / "dev.tsv")
    return [NewsArticle(language, MASAKHANEWS_TO_IPTC[row["category"]], row["headline"] or "",
                        row["text"] or "", row["url"] or "") for row in rows]


def sib_topic_sentences(data: Path, flores: str) -> list[tuple[str, str]]:
    """(text, IPTC qcode) for SIB-200 train + dev sentences of one variety."""
    rows = sib_sentences(data, flores, "train") + sib_sentences(data, flores, "dev")
    return [(row["text"], SIB_TO_IPTC[row["category"]]) for row in rows if row["category"] in SIB_TO_IPTC]


def iptc_top_level(data: Path) -> dict[str, str]:
    rows = _tsv_comma(data / "topics" / "iptc-mediatopics" / "mediatopic_toplevel.csv")
    return {row["qcode"]: row["label_en"] for row in rows}


def _tsv_comma(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
