"""Fitting the topic model (numpy; used by bench/train_topics.py and tests, never at tagging time).

Two stages, folded into one linear model (`topic_model.TopicModel`):
1. Complement naive Bayes (Rennie et al. 2003) over log(1 + count), L2-normalised features: strong
   with a few hundred articles per language, but blind to which of its words mislead it.
2. A logistic regression that starts from the naive Bayes scores (an offset computed by
   cross-fitting, so it sees NB's honest mistakes, not its fit to its own training articles) and
   learns an L2-regularised correction per feature plus a bias per class. Its cost (C) keeps the
   correction small: NB does most of the work, the regression fixes what NB gets wrong.
Inference is the sum of both: weight = nb / nb_temperature + correction.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from .topic_model import TopicModel

NB_ALPHA = 0.1       # additive smoothing of the complement counts
CORRECTION_C = 3.0   # inverse L2 strength of the regression's correction
INNER_FOLDS = 5      # cross-fitting folds for the naive Bayes offset
MIN_DOCUMENTS = 2    # features seen in fewer training documents are dropped


@dataclass(frozen=True)
class SparseRows:
    """Documents x features, CSR-like, with the column order kept for the transposed product."""

    indptr: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def build(cls, documents: Sequence[Mapping[int, int]], vocabulary: Mapping[int, int]) -> "SparseRows":
        """log(1 + count) of known features, each row L2-normalised (as `topic_model.feature_values`)."""
        rows, cols, values = [], [], []
        for number, features in enumerate(documents):
            known = [(vocabulary[f], np.log1p(n)) for f, n in features.items() if f in vocabulary]
            norm = np.sqrt(sum(v * v for _, v in known)) or 1.0
            rows += [number] * len(known)
            cols += [c for c, _ in known]
            values += [v / norm for _, v in known]
        rows_a = np.asarray(rows, dtype=np.int64)
        indptr = np.searchsorted(rows_a, np.arange(len(documents) + 1))
        return cls(indptr, rows_a, np.asarray(cols, dtype=np.int64), np.asarray(values, dtype=np.float64),
                   (len(documents), len(vocabulary)))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """(n x k) = X @ weights."""
        products = self.values[:, None] * weights[self.cols]
        return _segment_sums(products, self.rows, self.shape[0])

    def transposed_dot(self, gradient: np.ndarray) -> np.ndarray:
        """(m x k) = X.T @ gradient."""
        products = self.values[:, None] * gradient[self.rows]
        return _segment_sums(products, self.cols, self.shape[1])

    def subset(self, selected: np.ndarray) -> "SparseRows":
        """The rows whose numbers are in `selected` (sorted), renumbered from 0."""
        keep = np.isin(self.rows, selected)
        renumber = np.full(self.shape[0], -1, dtype=np.int64)
        renumber[selected] = np.arange(len(selected))
        rows = renumber[self.rows[keep]]
        indptr = np.searchsorted(rows, np.arange(len(selected) + 1))
        return SparseRows(indptr, rows, self.cols[keep], self.values[keep], (len(selected), self.shape[1]))


def _segment_sums(products: np.ndarray, keys: np.ndarray, size: int) -> np.ndarray:
    return np.stack([np.bincount(keys, weights=products[:, i], minlength=size)
                     for i in range(products.shape[1])], axis=1)


def vocabulary(documents: Sequence[Mapping[int, int]], min_documents: int = MIN_DOCUMENTS) -> dict[int, int]:
    frequency: Counter[int] = Counter()
    for features in documents:
        frequency.update(features.keys())
    return {f: i for i, f in enumerate(sorted(f for f, n in frequency.items() if n >= min_documents))}


def complement_nb(x: SparseRows, labels: np.ndarray, weights: np.ndarray, classes: int,
                  alpha: float = NB_ALPHA) -> np.ndarray:
    """(features x classes) weights, centred per feature; features absent from x weigh nothing."""
    mass = np.zeros((x.shape[1], classes))
    weighted = x.values * weights[x.rows]
    for c in range(classes):
        in_class = labels[x.rows] == c
        mass[:, c] = np.bincount(x.cols[in_class], weights=weighted[in_class], minlength=x.shape[1])
    class_totals, vocabulary_size = mass.sum(0), x.shape[1]
    complement = (mass.sum(1, keepdims=True) - mass + alpha) / (class_totals.sum() - class_totals + alpha * vocabulary_size)
    nb = -np.log(complement)
    nb -= nb.mean(1, keepdims=True)
    nb[mass.sum(1) == 0] = 0.0
    return nb


def stratified_folds(labels: Sequence[object], k: int) -> np.ndarray:
    """Deterministic fold number per item: round-robin within each label."""
    seen: Counter = Counter()
    assignment = []
    for label in labels:
        assignment.append(seen[label] % k)
        seen[label] += 1
    return np.asarray(assignment)


def cross_fitted_nb_scores(x: SparseRows, labels: np.ndarray, weights: np.ndarray, classes: int,
                           folds: int = INNER_FOLDS) -> np.ndarray:
    """NB scores of each training document by an NB fitted without it."""
    scores = np.zeros((x.shape[0], classes))
    assignment = stratified_folds(labels.tolist(), folds)
    for fold in range(folds):
        inside, outside = np.flatnonzero(assignment != fold), np.flatnonzero(assignment == fold)
        nb = complement_nb(x.subset(inside), labels[inside], weights[inside], classes)
        scores[outside] = x.subset(outside).dot(nb)
    return scores


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(1, keepdims=True))


def best_temperature(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The temperature under which the scores best predict the labels (least weighted log loss)."""
    picked = np.arange(len(labels)), labels
    candidates = [0.002 * 1.25 ** k for k in range(50)]
    return min(candidates, key=lambda t: -(weights * log_softmax(scores / t)[picked]).sum())


def logistic_correction(x: SparseRows, labels: np.ndarray, weights: np.ndarray, offset: np.ndarray,
                        c: float = CORRECTION_C) -> tuple[np.ndarray, np.ndarray]:
    """(correction weights m x k, bias k) minimising weighted log loss of offset + X V + b, + |V|^2 / 2C."""
    n, m = x.shape
    k = offset.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0

    def loss_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        correction, bias = flat[:m * k].reshape(m, k), flat[m * k:]
        log_p = log_softmax(offset + x.dot(correction) + bias)
        loss = -(weights * (log_p * onehot).sum(1)).sum() + (correction ** 2).sum() / (2 * c)
        residual = (np.exp(log_p) - onehot) * weights[:, None]
        gradient = np.concatenate([(x.transposed_dot(residual) + correction / c).ravel(), residual.sum(0)])
        return loss, gradient

    solution = lbfgs(loss_and_gradient, np.zeros(m * k + k))
    return solution[:m * k].reshape(m, k), solution[m * k:]


def lbfgs(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray,
          iterations: int = 300, memory: int = 10, tolerance: float = 1e-6) -> np.ndarray:
    """Limited-memory BFGS with backtracking (Armijo) line search; deterministic."""
    x = start.copy()
    value, gradient = objective(x)
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(iterations):
        direction = -_two_loop(gradient, steps)
        slope = gradient @ direction
        if slope >= 0:  # not a descent direction: restart from the gradient
            steps, direction = [], -gradient
            slope = gradient @ direction
        size = 1.0
        while True:
            candidate = x + size * direction
            new_value, new_gradient = objective(candidate)
            if new_value <= value + 1e-4 * size * slope or size < 1e-10:
                break
            size *= 0.5
        s, y = candidate - x, new_gradient - gradient
        if s @ y > 1e-10:
            steps = (steps + [(s, y)])[-memory:]
        converged = abs(value - new_value) < tolerance * max(1.0, abs(value))
        x, value, gradient = candidate, new_value, new_gradient
        if converged:
            break
    return x


def _two_loop(gradient: np.ndarray, steps: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    q = gradient.copy()
    alphas = []
    for s, y in reversed(steps):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q -= a * y
    if steps:
        s, y = steps[-1]
        q *= (s @ y) / (y @ y)
    for (s, y), a in zip(steps, reversed(alphas)):
        q += s * (a - (y @ q) / (y @ s))
    return q


def train(documents: Sequence[tuple[Mapping[int, int], str]], weights: Sequence[float] | None = None,
          min_documents: int = MIN_DOCUMENTS, c: float = CORRECTION_C) -> TopicModel:
    """Fit on (hashed features, label) pairs; `weights` lowers the say of out-of-domain documents."""
    classes = tuple(sorted({label for _, label in documents}))
    index = {label: i for i, label in enumerate(classes)}
    labels = np.asarray([index[label] for _, label in documents])
    doc_weights = np.ones(len(documents)) if weights is None else np.asarray(weights, dtype=np.float64)
    known = vocabulary([features for features, _ in documents], min_documents)
    x = SparseRows.build([features for features, _ in documents], known)
    offset_scores = cross_fitted_nb_scores(x, labels, doc_weights, len(classes))
    nb_temperature = best_temperature(offset_scores, labels, doc_weights)
    correction, bias = logistic_correction(x, labels, doc_weights, offset_scores / nb_temperature, c)
    combined = complement_nb(x, labels, doc_weights, len(classes)) / nb_temperature + correction
    return quantised(classes, known, combined, bias)


def quantised(classes: tuple[str, ...], known: Mapping[int, int], weights: np.ndarray,
              bias: np.ndarray) -> TopicModel:
    """int16 weights with one scale per model (the largest weight maps to 32767)."""
    scale = 32767.0 / max(float(np.abs(weights).max()), 1e-9)
    integers = np.clip(np.rint(weights * scale), -32767, 32767).astype(np.int16)
    columns = tuple(array("h", integers[:, i].tolist()) for i in range(integers.shape[1]))
    return TopicModel(classes, dict(known), columns, scale, tuple(round(float(b), 6) for b in bias))
