"""Linear topic model over hashed words and word prefixes: inference only.

Pure Python (no numpy) so that tagging an article costs about a millisecond and loading the
shipped weights is a gzip + JSON read. The weights are fitted by `topic_training.py` (numpy,
used only by `bench/train_topics.py` and tests): complement naive Bayes corrected by a
logistic regression, folded into one weight row per feature and one bias per class.
"""

from __future__ import annotations

import base64
import math
import operator
import re
import sys
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

HASH_BITS = 20
_MASK = (1 << HASH_BITS) - 1
_WORD = re.compile(r"[^\W\d_]{2,}")
MAX_WORDS = 800  # bounded cost: the headline and the first ~800 words carry the topic
PREFIX_LETTERS = 5  # "governments", "government", "governing" share "p:gover": a stemmer for any language


def words(text: str, max_words: int = MAX_WORDS) -> list[str]:
    found = []
    for match in _WORD.finditer(text):
        found.append(match.group().lower())
        if len(found) >= max_words:
            break
    return found


def hashed_features(text: str, max_words: int = MAX_WORDS) -> Counter[int]:
    """Counts of hashed words and prefixes of longer words.

    No word pairs: with a few hundred articles per language most pairs are seen in one or two
    of them (English: 21,404 pairs in 2+ articles, 7,797 words), so they added noise and
    weights; cross-validated, every language did as well or better without them (docs/tags.md).
    crc32, not the salted hash(): stable across processes, and the shipped weights depend on it.
    """
    tokens = words(text, max_words)
    grams = tokens + [f"p:{token[:PREFIX_LETTERS]}" for token in tokens if len(token) > PREFIX_LETTERS]
    return Counter(zlib.crc32(gram.encode("utf-8")) & _MASK for gram in grams)


@dataclass(frozen=True)
class TopicModel:
    """score(class) = bias + sum over known features of weight * normalised log(1 + count).

    Weights are int16 divided by `scale`, one column per class (a column is indexed by the
    feature's row number), so the shipped file stays small and loads in milliseconds, and a score
    is a C-level map over the article's rows. Scores become probabilities by a softmax whose
    temperature was fitted on held-out folds: 0.9 means roughly "right 9 times in 10".
    """

    classes: tuple[str, ...]
    rows: Mapping[int, int]             # hashed feature -> row number; unknown features are skipped
    columns: tuple[Sequence[int], ...]  # per class: int16 weight of each row
    scale: float                        # weight = int16 / scale
    bias: tuple[float, ...]
    temperature: float = 1.0

    def scores(self, features: Mapping[int, int]) -> list[float] | None:
        """Per-class scores (higher is better), None when no feature is known.

        Feature values are log(1 + count) of the known features, L2-normalised over them (as in
        topic_training.SparseRows); the norm divides the sums once at the end.
        """
        rows = self.rows
        known = [(row, math.log1p(count)) for feature, count in features.items()
                 if (row := rows.get(feature)) is not None]
        if not known:
            return None
        numbers, values = zip(*known)
        divisor = self.scale * math.sqrt(sum(v * v for v in values))
        return [bias + sum(map(operator.mul, map(column.__getitem__, numbers), values)) / divisor
                for bias, column in zip(self.bias, self.columns)]

    def probabilities(self, features: Mapping[int, int]) -> list[tuple[str, float]]:
        """Classes with calibrated probabilities, best first; [] when nothing is known."""
        scores = self.scores(features)
        if scores is None:
            return []
        return sorted(zip(self.classes, softmax(scores, self.temperature)), key=lambda pair: -pair[1])

    def with_temperature(self, temperature: float) -> "TopicModel":
        return TopicModel(self.classes, self.rows, self.columns, self.scale, self.bias, temperature)

    def to_json(self) -> dict:
        """Feature ids in row order, and the class columns one after another (column-major)."""
        features = array("I", sorted(self.rows, key=self.rows.__getitem__))
        weights = array("h")
        for column in self.columns:
            weights.extend(column)
        return {"classes": list(self.classes), "temperature": self.temperature, "scale": self.scale,
                "bias": list(self.bias), "features_u32le": _pack(features), "weights_i16le": _pack(weights)}

    @classmethod
    def from_json(cls, data: dict) -> "TopicModel":
        features = _unpack("I", data["features_u32le"])
        weights, size = _unpack("h", data["weights_i16le"]), len(features)
        columns = tuple(weights[i * size:(i + 1) * size] for i in range(len(data["classes"])))
        return cls(tuple(data["classes"]), dict(zip(features, range(size))), columns,
                   float(data["scale"]), tuple(float(b) for b in data["bias"]), float(data["temperature"]))


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

    candidates = [0.002 * 1.25 ** k for k in range(50)]
    return round(min(candidates, key=log_loss), 6)
