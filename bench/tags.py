"""Language and topic tag figures on ../shared/data (skips cleanly without it).

    .venv/bin/python bench/tags.py                 # everything (a few minutes)
    .venv/bin/python bench/tags.py --quick         # subsample, for iteration
    .venv/bin/python bench/tags.py --only language --sample-sizes
    .venv/bin/python bench/tags.py --only topic

Language: SIB-200 dev (205 varieties, FLORES codes mapped to ISO 639-1; varieties without an
ISO 639-1 code have gold `und`), sentence level and article-length texts (consecutive sentences
joined to 600-2,000 characters). Systems in the same run: langdetect alone, py3langid alone,
lingua alone (references) and the storysift tagger. Topic: 5-fold cross-validation on the
MasakhaNEWS dev articles of each language (models never see the articles they are scored on).
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tagdata import (LangText, article_texts, langid_sets, shared_data,  # noqa: E402
                           sib_sentences, sib_varieties)
from consumers.pipeline import langcodes  # noqa: E402
from consumers.pipeline.language import (MIN_LETTERS, LanguageTagger, langdetect_languages,  # noqa: E402
                                         letter_weight, representative_sample)

# Romanised Arabic: its code (ar) is one langdetect knows, but not in this script; it is
# reported with "the rest", not with langdetect's languages.
ROMANISED = {"arb_Latn"}
Detector = Callable[[str], str]


def systems(include_lingua: bool) -> dict[str, Detector]:
    tagger = LanguageTagger()
    found: dict[str, Detector] = {
        "langdetect alone": lambda text: tagger.langdetect(representative_sample(text))[0]
        if letter_weight(text) >= MIN_LETTERS else "und",
        "py3langid alone": lambda text: tagger.py3langid(text, top=1)[0][0],
    }
    if include_lingua:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

        def lingua_code(text: str) -> str:
            best = lingua.detect_language_of(text)
            return "und" if best is None else langcodes.normalize(best.iso_code_639_1.name, text)

        found["lingua alone"] = lingua_code
    found["storysift tagger"] = lambda text: tagger.tag(text).code
    return found


def run(detect: Detector, texts: list[LangText]) -> tuple[list[str], float]:
    start = time.perf_counter()
    predictions = [detect(t.text) for t in texts]
    return predictions, (time.perf_counter() - start) * 1000 / max(1, len(texts))


def rates(pairs: list[tuple[LangText, str]]) -> str:
    if not pairs:
        return "n/a"
    right = sum(p == t.gold for t, p in pairs) / len(pairs)
    und = sum(p == "und" for _, p in pairs) / len(pairs)
    wrong = sum(p not in ("und", t.gold) for t, p in pairs) / len(pairs)
    return f"acc {right:7.2%}  und {und:6.2%}  wrong {wrong:6.2%}  (n={len(pairs)})"


def language_report(data: Path, quick: bool, include_lingua: bool) -> dict[str, dict[str, list[str]]]:
    varieties = sib_varieties(data)
    if quick:
        varieties = varieties[::4]
    sets = langid_sets(data, varieties, per_variety=30 if quick else None)
    known = langdetect_languages()
    in_known = lambda t: t.gold in known and t.flores not in ROMANISED  # noqa: E731
    detectors = systems(include_lingua)
    print(f"langdetect knows {len(known)} codes; SIB-200 varieties: {len(varieties)} "
          f"({sum(langcodes.flores_to_iso(v) in known and v not in ROMANISED for v in varieties)} in langdetect's languages)")
    all_predictions: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for level, texts in sets.items():
        print(f"\n## {level} level: {len(texts)} texts, mean {statistics.mean(len(t.text) for t in texts):.0f} chars")
        for name, detect in detectors.items():
            predictions, ms = run(detect, texts)
            all_predictions[level][name] = predictions
            pairs = list(zip(texts, predictions))
            print(f"{name:17s} {ms:6.2f} ms/text")
            print(f"    all languages        {rates(pairs)}")
            print(f"    langdetect's         {rates([(t, p) for t, p in pairs if in_known(t)])}")
            print(f"    the rest             {rates([(t, p) for t, p in pairs if not in_known(t)])}")
        for name in ("langdetect alone", "storysift tagger"):
            pairs = list(zip(texts, all_predictions[level][name]))
            confusions = Counter((t.flores, p) for t, p in pairs if p not in ("und", t.gold))
            print(f"  commonest confusions, {name}: "
                  + ", ".join(f"{f}->{p} {n}" for (f, p), n in confusions.most_common(12)))
    per_language(sets, all_predictions)
    return all_predictions


def per_language(sets: dict[str, list[LangText]], predictions: dict[str, dict[str, list[str]]]) -> None:
    print("\n## per variety: accuracy (und rate) of langdetect alone / storysift tagger, sentences | articles")
    rows: dict[str, list[str]] = defaultdict(list)
    for level, texts in sets.items():
        for name in ("langdetect alone", "storysift tagger"):
            by_variety: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for t, p in zip(texts, predictions[level][name]):
                by_variety[t.flores].append((t.gold, p))
            for flores, pairs in by_variety.items():
                acc = sum(g == p for g, p in pairs) / len(pairs)
                und = sum(p == "und" for _, p in pairs) / len(pairs)
                rows[flores].append(f"{acc:4.0%} ({und:3.0%})")
    line = []
    for flores in sorted(rows):
        line.append(f"{flores}={langcodes.flores_to_iso(flores)}: " + " / ".join(rows[flores][:2]) + " | "
                    + " / ".join(rows[flores][2:]))
    print("\n".join(line))


def sample_size_report(data: Path, quick: bool) -> None:
    """Accuracy and cost against sample size, on long texts (a variety's 99 dev sentences joined)."""
    known = langdetect_languages()
    varieties = [v for v in sib_varieties(data) if langcodes.flores_to_iso(v) in known and v not in ROMANISED]
    if quick:
        varieties = varieties[::3]
    texts = []
    for flores in varieties:
        sentences = [row["text"] for row in sib_sentences(data, flores)]
        texts.append(LangText(flores, langcodes.flores_to_iso(flores), "\n\n".join(sentences)))
        # and the article-length pieces, so short texts weigh in as well
        texts += [LangText(flores, langcodes.flores_to_iso(flores), a) for a in article_texts(sentences)]
    tagger = LanguageTagger()
    print(f"\n## sample size: {len(texts)} texts from {len(varieties)} of langdetect's varieties, "
          f"mean {statistics.mean(len(t.text) for t in texts):.0f} chars (max {max(len(t.text) for t in texts)})")
    for size in (150, 300, 600, 1200, 2400, 100_000):
        label = "whole text" if size == 100_000 else f"{size} chars"
        sized = LanguageTagger(sample_chars=size)
        for name, detect in (("langdetect", lambda text: tagger.langdetect(representative_sample(text, size))[0]),
                             ("storysift tagger", lambda text: sized.tag(text).code)):
            start = time.perf_counter()
            predictions = [detect(t.text) for t in texts]
            ms = (time.perf_counter() - start) * 1000 / len(texts)
            right = sum(p == t.gold for t, p in zip(texts, predictions)) / len(texts)
            long_right = [p == t.gold for t, p in zip(texts, predictions) if len(t.text) > 5000]
            print(f"{name:16s} on a {label:11s} sample: acc {right:7.2%} (long texts {sum(long_right)}/{len(long_right)})"
                  f"  {ms:6.2f} ms/text")


def topic_report(data: Path, quick: bool) -> None:
    from bench.train_topics import FOLDS, MASAKHANEWS_LANGUAGES, evaluate_all

    languages = ["eng", "fra"] if quick else list(MASAKHANEWS_LANGUAGES)
    print(f"\n## topics: {FOLDS}-fold cross-validation on MasakhaNEWS dev (headline + text, no URL)")
    figures = evaluate_all(data, languages)
    for folder, fig in figures.items():
        confusions = ", ".join(f"{g[7:9]}->{p[7:9] if p else 'none'} {n}" for (g, p), n in fig["confusions"])
        print(f"{folder} ({fig['iso'] or 'no ISO 639-1'}): {fig['articles']:4d} articles  top-1 {fig['top1']:.3f}"
              f"  macro-F1 {fig['macro_f1']:.3f}   commonest confusions: {confusions}")
    shipped_model_report(data)


def shipped_model_report(data: Path) -> None:
    """The shipped model: load time, cost per article, and the seed page through the pipeline."""
    from bench.tagdata import news_articles
    from consumers.pipeline import Pipeline
    from consumers.pipeline.model import Article, BodyFormat, LanguageTag, RawPage
    from consumers.pipeline.topic import TopicTagger

    start = time.perf_counter()
    tagger = TopicTagger()
    load_ms = (time.perf_counter() - start) * 1000
    articles = news_articles(data, "eng") + news_articles(data, "fra")
    start = time.perf_counter()
    for article in articles:
        tagger.tag(article.headline, article.text, LanguageTag("en" if article.language == "eng" else "fr", 1.0))
    per_article = (time.perf_counter() - start) * 1000 / len(articles)
    print(f"\nshipped topic model: loads in {load_ms:.0f} ms, {per_article:.2f} ms/article, "
          f"languages {', '.join(tagger.languages)}")
    seed = data.parent / "seed" / "washington-post-iraq-letter.txt"
    if seed.is_file():
        page = RawPage(url="file:seed", body=seed.read_text(encoding="utf-8"), body_format=BodyFormat.TEXT)
        outcome = Pipeline().process_page(page)
        if isinstance(outcome, Article):
            print(f"seed page: language {outcome.language}, topics {outcome.topics}")
        else:
            print(f"seed page: no article ({outcome})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="subsample (every 4th variety, fewer texts)")
    parser.add_argument("--only", choices=("language", "topic"))
    parser.add_argument("--sample-sizes", action="store_true", help="also measure langdetect against sample size")
    parser.add_argument("--no-lingua", action="store_true", help="skip the lingua reference (slow to load)")
    args = parser.parse_args(argv)
    print("$ .venv/bin/python bench/tags.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    data = shared_data()
    if data is None:
        print("development data not found (../shared/data or STORYSIFT_SHARED): skipped")
        return 0
    if args.only in (None, "language"):
        language_report(data, args.quick, not args.no_lingua)
        if args.sample_sizes:
            sample_size_report(data, args.quick)
    if args.only in (None, "topic"):
        topic_report(data, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
