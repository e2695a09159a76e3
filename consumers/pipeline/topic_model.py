"""Multinomial naive Bayes over hashed words and word pairs: the topic model's maths.

Pure Python (no numpy) so that tagging an article costs about a millisecond and loading the
shipped weights is a gzip + JSON read. Training lives here too because it is a few sums;
`bench/train_topics.py` feeds it the development data and writes the weights.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

HASH_BITS = 20
_MASK = (1 << HASH_BITS) - 1
_WORD = re.compile(r"[^\W\d_]{2,}")
MAX_WORDS = 800  # bounded cost: the headline and the first ~800 words carry the topic
# Posterior temperature grows with length so a long article is not "100 % sure" of everything.
_TEMPERATURE_PER_SQRT_FEATURE = 0.5


def words(text: str, max_words: int = MAX_WORDS) -> list[str]:
    found = []
    for match in _WORD.finditer(text):
        found.append(match.group().lower())
        if len(found) >= max_words:
            break
    return found


def hashed_features(text: str, max_words: int = MAX_WORDS) -> Counter[int]:
    """Counts of hashed unigrams and bigrams (crc32: stable across processes, unlike hash())."""
    tokens = words(text, max_words)
    grams = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
    return Counter(zlib.crc32(gram.encode("utf-8")) & _MASK for gram in grams)


@dataclass(frozen=True)
class NaiveBayes:
    classes: tuple[str, ...]
    log_prior: tuple[float, ...]
    weights: Mapping[int, tuple[float, ...]]  # hashed feature -> log P(feature | class); others skipped

    def probabilities(self, features: Mapping[int, int]) -> list[tuple[str, float]]:
        """Classes with tempered posterior probabilities, best first."""
        totals = list(self.log_prior)
        known = 0
        for feature, count in features.items():
            row = self.weights.get(feature)
            if row is None:
                continue
            weight = math.log1p(count)
            known += 1
            for i, value in enumerate(row):
                totals[i] += weight * value
        if not known:
            return []
        temperature = max(1.0, _TEMPERATURE_PER_SQRT_FEATURE * math.sqrt(known))
        top = max(totals)
        exps = [math.exp((total - top) / temperature) for total in totals]
        norm = sum(exps)
        ranked = sorted(zip(self.classes, (e / norm for e in exps)), key=lambda pair: -pair[1])
        return ranked

    @classmethod
    def train(cls, documents: Iterable[tuple[Mapping[int, int], str]], alpha: float = 0.1,
              min_documents: int = 2, uniform_prior: bool = True) -> "NaiveBayes":
        """Fit on (features, label) pairs; features seen in fewer documents are dropped."""
        documents = list(documents)
        classes = tuple(sorted({label for _, label in documents}))
        index = {label: i for i, label in enumerate(classes)}
        document_frequency: Counter[int] = Counter()
        for features, _ in documents:
            document_frequency.update(features.keys())
        kept = {f for f, n in document_frequency.items() if n >= min_documents}
        mass = {f: [0.0] * len(classes) for f in kept}
        for features, label in documents:
            i = index[label]
            for feature, count in features.items():
                if feature in kept:
                    mass[feature][i] += math.log1p(count)
        class_totals = [sum(row[i] for row in mass.values()) for i in range(len(classes))]
        denominators = [total + alpha * (len(kept) + 1) for total in class_totals]
        weights = {f: tuple(round(math.log((row[i] + alpha) / denominators[i]), 3)
                            for i in range(len(classes))) for f, row in mass.items()}
        counts = Counter(label for _, label in documents)
        prior = tuple(math.log(1 / len(classes)) if uniform_prior else math.log(counts[c] / len(documents))
                      for c in classes)
        return cls(classes, prior, weights)

    def to_json(self) -> dict:
        return {"classes": list(self.classes), "log_prior": [round(p, 4) for p in self.log_prior],
                "weights": {format(f, "x"): list(row) for f, row in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: dict) -> "NaiveBayes":
        weights = {int(key, 16): tuple(row) for key, row in data["weights"].items()}
        return cls(tuple(data["classes"]), tuple(data["log_prior"]), weights)
