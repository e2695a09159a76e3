"""Complement naive Bayes over hashed words and word pairs: the topic model's maths.

Pure Python (no numpy) so that tagging an article costs about a millisecond and loading the
shipped weights is a gzip + JSON read. Training lives here too because it is a few sums;
`bench/train_topics.py` feeds it the development data and writes the weights.
"""

from __future__ import annotations

import base64
import math
import re
import sys
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

HASH_BITS = 20
_MASK = (1 << HASH_BITS) - 1
_WORD = re.compile(r"[^\W\d_]{2,}")
MAX_WORDS = 800  # bounded cost: the headline and the first ~800 words carry the topic


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
    """Complement naive Bayes (Rennie et al. 2003) on length-normalised log(1 + count) features.

    Weights are int16 in thousandths, one row of len(classes) per known feature, so the shipped
    file loads in milliseconds. Scores become probabilities by a softmax whose temperature was
    fitted on held-out folds (bench/train_topics.py): 0.9 means roughly "right 9 times in 10".
    """

    classes: tuple[str, ...]
    rows: Mapping[int, int]   # hashed feature -> row number; unknown features are skipped
    flat: Sequence[int]       # row-major weights, thousandths
    temperature: float = 1.0

    def scores(self, features: Mapping[int, int]) -> list[float] | None:
        """Raw per-class scores (higher is better), None when no feature is known."""
        width, flat = len(self.classes), self.flat
        totals = [0.0] * width
        square_sum = 0.0
        for feature, count in features.items():
            row = self.rows.get(feature)
            if row is None:
                continue
            value = math.log1p(count)
            square_sum += value * value
            base = row * width
            for i in range(width):
                totals[i] += flat[base + i] * value
        if not square_sum:
            return None
        scale = _SCALE * math.sqrt(square_sum)
        return [total / scale for total in totals]

    def probabilities(self, features: Mapping[int, int]) -> list[tuple[str, float]]:
        """Classes with calibrated probabilities, best first; [] when nothing is known."""
        scores = self.scores(features)
        if scores is None:
            return []
        return sorted(zip(self.classes, softmax(scores, self.temperature)), key=lambda pair: -pair[1])

    @classmethod
    def train(cls, documents: Iterable[tuple[Mapping[int, int], str]], alpha: float = 0.1,
              min_documents: int = 2, temperature: float = 1.0) -> "NaiveBayes":
        """Fit on (features, label) pairs; features seen in fewer documents are dropped."""
        documents = list(documents)
        classes = tuple(sorted({label for _, label in documents}))
        index = {label: i for i, label in enumerate(classes)}
        document_frequency: Counter[int] = Counter()
        for features, _ in documents:
            document_frequency.update(features.keys())
        kept = sorted(f for f, n in document_frequency.items() if n >= min_documents)
        mass = {f: [0.0] * len(classes) for f in kept}
        for features, label in documents:
            values = {f: math.log1p(n) for f, n in features.items() if f in mass}
            norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
            for feature, value in values.items():
                mass[feature][index[label]] += value / norm
        class_totals = [sum(row[i] for row in mass.values()) for i in range(len(classes))]
        grand_total, vocabulary = sum(class_totals), len(kept)
        flat = array("h")
        for feature in kept:
            row = mass[feature]
            feature_total = sum(row)
            complement = [-math.log((feature_total - row[i] + alpha)
                                    / (grand_total - class_totals[i] + alpha * vocabulary))
                          for i in range(len(classes))]
            # Centred per feature: a shift shared by all classes changes no ranking or probability.
            centre = sum(complement) / len(complement)
            flat.extend(max(-32767, min(32767, round((w - centre) * _SCALE))) for w in complement)
        return cls(classes, {f: i for i, f in enumerate(kept)}, flat, temperature)

    def with_temperature(self, temperature: float) -> "NaiveBayes":
        return NaiveBayes(self.classes, self.rows, self.flat, temperature)

    def to_json(self) -> dict:
        features = array("I", sorted(self.rows, key=self.rows.__getitem__))
        return {"classes": list(self.classes), "temperature": self.temperature,
                "features_u32le": _pack(features), "weights_i16le": _pack(array("h", self.flat))}

    @classmethod
    def from_json(cls, data: dict) -> "NaiveBayes":
        features = _unpack("I", data["features_u32le"])
        flat = _unpack("h", data["weights_i16le"])
        return cls(tuple(data["classes"]), dict(zip(features, range(len(features)))), flat,
                   float(data["temperature"]))


_SCALE = 1000


def _pack(values: array) -> str:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def _unpack(typecode: str, text: str) -> array:
    values = array(typecode)
    values.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        values.byteswap()
    return values


def softmax(scores: list[float], temperature: float) -> list[float]:
    top = max(scores)
    exps = [math.exp((score - top) / temperature) for score in scores]
    total = sum(exps)
    return [e / total for e in exps]


def fit_temperature(held_out: list[tuple[list[float], int]]) -> float:
    """The softmax temperature that best predicts held-out gold labels (least log loss)."""
    def log_loss(temperature: float) -> float:
        return -sum(math.log(max(softmax(scores, temperature)[gold], 1e-12)) for scores, gold in held_out)

    candidates = [0.002 * 1.25 ** k for k in range(40)]
    return round(min(candidates, key=log_loss), 6)
