"""Train the shipped topic model from ../shared/data alone (reproducible: no randomness).

    .venv/bin/python bench/train_topics.py            # writes consumers/pipeline/models/topic-model.json.gz
    .venv/bin/python bench/train_topics.py --check    # cross-validated figures only, writes nothing

One model per language (complement naive Bayes corrected by a logistic regression, see
consumers/pipeline/topic_training.py), trained on that language's MasakhaNEWS dev articles
(headline + text) and, at half weight (short encyclopaedic sentences, not news), its SIB-200
train/dev sentences; labels mapped to IPTC top-level topics.
A language ships only if its cross-validated top-1 accuracy reaches SHIP_MIN_TOP1: for the
others the tagger says nothing rather than guess.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tagdata import (MASAKHANEWS_LANGUAGES, NewsArticle, iptc_top_level,  # noqa: E402
                           news_articles, shared_data, sib_topic_sentences)
from consumers.pipeline.topic import MIN_TOP_SCORE  # noqa: E402
from consumers.pipeline.topic_model import TopicModel, fit_temperature, hashed_features, softmax  # noqa: E402
from consumers.pipeline.topic_training import stratified_folds, train  # noqa: E402

MODEL_PATH = Path(__file__).resolve().parent.parent / "consumers" / "pipeline" / "models" / "topic-model.json.gz"
FOLDS = 5
SHIP_MIN_TOP1 = 0.75
SIB_WEIGHT = 0.5  # a SIB-200 sentence counts half an article: other domain, other length


def article_features(article: NewsArticle) -> Counter[int]:
    return hashed_features(f"{article.headline}\n{article.text}")


def folds(articles: list[NewsArticle], k: int = FOLDS) -> list[int]:
    """Deterministic stratified fold number per article (round-robin within each label)."""
    return stratified_folds([a.label for a in articles], k).tolist()


Documents = list[tuple[Counter[int], str]]


def article_documents(articles: list[NewsArticle]) -> Documents:
    return [(article_features(a), a.label) for a in articles]


def sentence_documents(sentences: list[tuple[str, str]]) -> Documents:
    return [(hashed_features(text), label) for text, label in sentences]


def train_language(articles: Documents, sentences: Documents) -> TopicModel:
    return train(articles + sentences, [1.0] * len(articles) + [SIB_WEIGHT] * len(sentences))


def cross_validate(articles: list[NewsArticle], sentences: list[tuple[str, str]], k: int = FOLDS
                   ) -> tuple[list[tuple[str, str | None]], float]:
    """(gold, predicted top-1 or None) for every article, each predicted by a model not trained on
    it, and the softmax temperature that best fits those held-out scores. The prediction is the
    shipped tagger's decision: no topic when the best score is under MIN_TOP_SCORE."""
    assignment = folds(articles, k)
    documents, sentence_docs = article_documents(articles), sentence_documents(sentences)
    scored: list[tuple[str, tuple[str, ...], list[float] | None]] = []
    for fold in range(k):
        training = [d for d, f in zip(documents, assignment) if f != fold]
        model = train_language(training, sentence_docs)
        scored += [(label, model.classes, model.scores(features))
                   for (features, label), f in zip(documents, assignment) if f == fold]
    temperature = fit_temperature([(scores, classes.index(gold)) for gold, classes, scores in scored
                                   if scores is not None and gold in classes])
    results: list[tuple[str, str | None]] = []
    for gold, classes, scores in scored:
        probabilities = softmax(scores, temperature) if scores is not None else [0.0]
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        results.append((gold, classes[best] if probabilities[best] >= MIN_TOP_SCORE else None))
    return results, temperature


def top1_and_macro_f1(results: list[tuple[str, str | None]]) -> tuple[float, float]:
    top1 = sum(gold == predicted for gold, predicted in results) / len(results)
    labels = sorted({gold for gold, _ in results})
    f1s = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in results)
        fp = sum(g != label and p == label for g, p in results)
        fn = sum(g == label and p != label for g, p in results)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return top1, sum(f1s) / len(f1s)


def evaluate_all(data: Path, languages: list[str] | None = None, k: int = FOLDS) -> dict[str, dict]:
    figures: dict[str, dict] = {}
    for folder in languages or list(MASAKHANEWS_LANGUAGES):
        iso, flores = MASAKHANEWS_LANGUAGES[folder]
        articles = news_articles(data, folder)
        sentences = sib_topic_sentences(data, flores) if flores else []
        results, temperature = cross_validate(articles, sentences, k)
        top1, macro = top1_and_macro_f1(results)
        figures[folder] = {"iso": iso, "articles": len(articles), "top1": top1, "macro_f1": macro,
                           "temperature": temperature,
                           "confusions": Counter((g, p) for g, p in results if g != p).most_common(3)}
    return figures


def build_model(data: Path, figures: dict[str, dict]) -> dict:
    models = {}
    for folder, fig in figures.items():
        iso, flores = MASAKHANEWS_LANGUAGES[folder]
        if iso is None or fig["top1"] < SHIP_MIN_TOP1:
            continue
        sentences = sib_topic_sentences(data, flores) if flores else []
        model = train_language(article_documents(news_articles(data, folder)), sentence_documents(sentences))
        models[iso] = model.with_temperature(fig["temperature"]).to_json()
    return {
        "format": 2,
        "licence": "CC BY-SA 4.0 (derived from SIB-200/FLORES-200 text); see models/README.md",
        "topics": iptc_top_level(data),
        "cross_validated_top1": {MASAKHANEWS_LANGUAGES[f][0]: round(fig["top1"], 4)
                                 for f, fig in figures.items() if MASAKHANEWS_LANGUAGES[f][0] in models},
        "languages": models,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="print cross-validated figures, write nothing")
    parser.add_argument("--languages", nargs="+", choices=sorted(MASAKHANEWS_LANGUAGES), metavar="FOLDER",
                        help="with --check: only these MasakhaNEWS folders (e.g. eng fra)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    if args.languages and not args.check:
        parser.error("--languages needs --check: the shipped file is built from every language")
    data = shared_data()
    if data is None:
        print("development data not found (../shared/data or STORYSIFT_SHARED): nothing to train on")
        return 0
    figures = evaluate_all(data, args.languages)
    for folder, fig in figures.items():
        print(f"{folder} ({fig['iso'] or 'no ISO 639-1'}): {fig['articles']} articles, "
              f"{FOLDS}-fold top-1 {fig['top1']:.3f}, macro-F1 {fig['macro_f1']:.3f}")
    if args.check:
        return 0
    model = build_model(data, figures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    args.out.write_bytes(gzip.compress(payload, mtime=0))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): languages {sorted(model['languages'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
