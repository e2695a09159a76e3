"""Train the two-stage story/boilerplate model from WCXB dev gold and write
consumers/pipeline/classifier_model.json.

  .venv/bin/python bench/train_classifier.py            # train on the training half, report held-out
  .venv/bin/python bench/train_classifier.py --limit 200 # quick run on fewer pages

Split: pages whose domain hashes even (crc32) train, the others are held out (never trained on;
the benchmark reports them separately). Blocks are labelled by aligning them to the gold main
text: a block is story when most of its 4-token shingles (or, for blocks under 4 tokens, its
token sequence) occur in the gold text. Each mode (html, text = whole-page plain-text rendering)
gets its own weights. Stage 1 is a logistic regression on block features; stage 2 a logistic
regression on stage-1 features plus context features computed from cross-fitted stage-1 scores.
Fitting: Newton / IRLS with L2, weighted by block length (the metric counts tokens) with every
page carrying equal total weight. The data (CC BY 4.0, WCXB, Murrough Foley 2026) stays in
../shared; only the fitted weights are written.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import re
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import data_root, load_wcxb, page_precision_recall, text_score  # noqa: E402
from bench.render_text import render  # noqa: E402
import importlib  # noqa: E402

clf = importlib.import_module("consumers.pipeline.classify")
from consumers.pipeline.deadline import Deadline  # noqa: E402
from consumers.pipeline.features import CONTEXT_NAMES, LOCAL_NAMES, NEIGHBOUR_NAMES  # noqa: E402
from consumers.pipeline.html_blocks import parse_html  # noqa: E402
from consumers.pipeline.model import Limits  # noqa: E402
from consumers.pipeline.text_blocks import split_text  # noqa: E402

_TOKEN = re.compile(r"\w+")
MODEL_PATH = Path(__file__).resolve().parent.parent / "consumers" / "pipeline" / "classifier_model.json"


# Stricter threshold when most story text sits under one parent element (article-like pages);
# chosen on the training half (a two-value grid), see docs/algorithm.md.
STRICT = {"concentrated_share": 0.6, "concentrated_threshold": 0.65}


def is_training_page(domain: str) -> bool:
    return zlib.crc32(domain.encode()) % 2 == 0


def domains() -> dict[str, str]:
    files = orjson.loads((data_root() / "extraction" / "wcxb-dev" / "metadata.json").read_bytes())["files"]
    return {k: v.get("domain", "") for k, v in files.items()}


def align(blocks, gold: str) -> list[int]:
    tokens = [t.lower() for t in _TOKEN.findall(gold)]
    grams = {tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3)}
    joined = " " + " ".join(tokens) + " "
    labels = []
    for b in blocks:
        bt = [t.lower() for t in _TOKEN.findall(b.text)]
        if not bt:
            labels.append(0)
        elif len(bt) < 4:
            labels.append(int((" " + " ".join(bt) + " ") in joined))
        else:
            shingles = [tuple(bt[i:i + 4]) for i in range(len(bt) - 3)]
            labels.append(int(sum(s in grams for s in shingles) / len(shingles) >= 0.5))
    return labels


def page_blocks(page, mode: str):
    if mode == "html":
        blocks, meta = parse_html(page.html, Limits(), Deadline.unlimited())
        return blocks, meta.title
    return split_text(render(page.html), Limits().max_blocks), None


def prepare(pages, mode: str) -> list[dict]:
    out = []
    for page in pages:
        blocks, title = page_blocks(page, mode)
        if not blocks:
            continue
        x1 = clf.stage1_inputs(blocks, title)
        labels = align(blocks, page.main_text or "")
        ntok = np.array([max(1, len(_TOKEN.findall(b.text))) for b in blocks], dtype=float)
        weight = np.minimum(ntok, 300)
        weight = weight / weight.sum() * len(blocks) ** 0.5
        out.append({"page": page, "blocks": blocks, "x1": x1, "y": np.array(labels, dtype=float), "w": weight})
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0, iters: int = 25) -> np.ndarray:
    beta = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2)
    reg[0] = 1e-6  # bias unpenalised
    for _ in range(iters):
        z = np.clip(x @ beta, -30, 30)
        p = 1 / (1 + np.exp(-z))
        grad = x.T @ (w * (p - y)) + reg * beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return beta


def stack(recs, key):
    return np.vstack([np.array(r[key], dtype=float) for r in recs])


def predict(beta, rows) -> list[float]:
    z = np.clip(np.array(rows, dtype=float) @ beta, -30, 30)
    return list(1 / (1 + np.exp(-z)))


def train_mode(recs: list[dict], l2: float, passes: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Stage 1, then `passes` context revisions. Each revision is trained on scores from the
    previous stage that were cross-fitted (predicted by a model not trained on that page), so it
    sees scores as noisy as at run time."""
    y = np.concatenate([r["y"] for r in recs])
    w = np.concatenate([r["w"] for r in recs])
    folds = [recs[0::2], recs[1::2]]

    def fit(rows, key):
        return fit_logistic(stack(rows, key), np.concatenate([r["y"] for r in rows]),
                            np.concatenate([r["w"] for r in rows]), l2)

    beta1 = fit_logistic(stack(recs, "x1"), y, w, l2)
    for k, fold in enumerate(folds):
        b = fit(folds[1 - k], "x1")
        for r in fold:
            r["p"] = predict(b, r["x1"])
    revisions = []
    for _ in range(passes):
        for r in recs:
            r["x2"] = clf.context_inputs(r["blocks"], r["x1"], r["p"])
        revisions.append(fit_logistic(stack(recs, "x2"), y, w, l2))
        for k, fold in enumerate(folds):
            b = fit(folds[1 - k], "x2")
            for r in fold:
                r["p"] = predict(b, r["x2"])
    return beta1, revisions


def evaluate(recs: list[dict], weights: clf.StageWeights, mode: str, thresholds=(0.5,)) -> dict[float, tuple]:
    results = {t: [] for t in thresholds}
    for r in recs:
        p1 = clf.score_alone(r["x1"], weights)
        p2 = clf.revise_in_context(r["blocks"], r["x1"], p1, weights)
        for t in thresholds:
            p3 = clf.apply_story_end(r["blocks"], p2, t) if mode == "text" else p2
            page_t = clf.page_threshold(r["blocks"], p3, replace(weights, threshold=t))
            text = "\n\n".join(b.text for b, s in zip(r["blocks"], p3) if s >= page_t)
            results[t].append((page_precision_recall(text, r["page"].main_text or ""), not text.strip()))
    return {t: text_score([x for x, _ in v], sum(e for _, e in v)) for t, v in results.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="train the story/boilerplate model")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N pages")
    ap.add_argument("--modes", nargs="+", default=["html", "text"])
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--passes", type=int, default=2, help="context revision passes after stage 1")
    args = ap.parse_args(argv)
    if not (data_root() / "extraction" / "wcxb-dev").is_dir():
        print(f"no development data at {data_root()}; nothing to train")
        return 0
    dom = domains()
    pages = load_wcxb(limit=args.limit)
    train = [p for p in pages if is_training_page(dom.get(p.page_id, p.page_id))]
    held = [p for p in pages if not is_training_page(dom.get(p.page_id, p.page_id))]
    print(f"{len(train)} training pages, {len(held)} held out")
    model = orjson.loads(MODEL_PATH.read_bytes()) if MODEL_PATH.exists() else {"modes": {}}
    model.update({
        "about": "two-stage logistic story/boilerplate model, see consumers/pipeline/classify.py",
        "trained_on": "WCXB dev (CC BY 4.0, 'WCXB, Murrough Foley 2026', github.com/Murrough-Foley/"
                      "web-content-extraction-benchmark), pages whose domain crc32 is even",
        "features": {"stage1": list(LOCAL_NAMES + NEIGHBOUR_NAMES),
                     "revisions": list(LOCAL_NAMES + NEIGHBOUR_NAMES + CONTEXT_NAMES)},
    })
    for mode in args.modes:
        t0 = time.perf_counter()
        tr = prepare(train, mode)
        ho = prepare(held, mode)
        beta1, revisions = train_mode(tr, args.l2, args.passes)
        revs = tuple(tuple(r) for r in revisions)
        grid = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
        strict = STRICT if mode == "html" else {}
        scores = evaluate(tr, clf.StageWeights(tuple(beta1), revs, 0.5, **strict), mode, grid)
        best = max(grid, key=lambda t: scores[t].f1)
        weights = clf.StageWeights(tuple(beta1), revs, best, **strict)
        held_score = evaluate(ho, weights, mode, (best,))[best]
        print(f"[{mode}] threshold {best} train F1 {scores[best].f1:.4f} | held-out F1 {held_score.f1:.4f} "
              f"P {held_score.precision:.4f} R {held_score.recall:.4f} empty {held_score.empty} "
              f"({time.perf_counter() - t0:.0f}s)")
        model["modes"][mode] = {"stage1": [round(float(v), 5) for v in beta1],
                                "revisions": [[round(float(v), 5) for v in r] for r in revisions],
                                "threshold": best, **strict}
    MODEL_PATH.write_bytes(orjson.dumps(model, option=orjson.OPT_INDENT_2))
    clf.load_weights.cache_clear()
    print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
