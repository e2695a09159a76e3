"""IPTC Media Topics (top level) from the headline and story text.

One linear model per language (complement naive Bayes corrected by a logistic regression, see
topic_training.py), shipped in models/topic-model.json.gz and trained by bench/train_topics.py
(see models/README.md for data, licence and attribution). A language without a model, or `und`,
gets no topic: we say nothing rather than guess.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

from .model import LanguageTag, TopicTag
from .topic_model import TopicModel, hashed_features

MODEL_PATH = Path(__file__).resolve().parent / "models" / "topic-model.json.gz"
MIN_TOP_SCORE = 0.25      # below this the best topic is a guess: no topic at all
MIN_EXTRA_SCORE = 0.25    # further topics need real support of their own
MAX_TOPICS = 3


@cache
def load_models(path: Path = MODEL_PATH) -> tuple[dict[str, TopicModel], dict[str, str]]:
    """({language: model}, {qcode: label}), read once per process."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    models = {language: TopicModel.from_json(model) for language, model in data["languages"].items()}
    return models, dict(data["topics"])


class TopicTagger:
    def __init__(self, model_path: Path = MODEL_PATH) -> None:
        self._models, self._labels = load_models(model_path)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._models))

    def tag(self, title: str | None, text: str, language: LanguageTag) -> tuple[TopicTag, ...]:
        model = self._models.get(language.code)
        if model is None:
            return ()
        ranked = model.probabilities(hashed_features(f"{title or ''}\n{text}"))
        if not ranked or ranked[0][1] < MIN_TOP_SCORE:
            return ()
        chosen = [ranked[0]] + [(code, score) for code, score in ranked[1:MAX_TOPICS] if score >= MIN_EXTRA_SCORE]
        return tuple(TopicTag(code, self._labels[code], round(score, 4)) for code, score in chosen)
