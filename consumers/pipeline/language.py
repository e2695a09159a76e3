"""Language of the story text (first version: deterministic langdetect)."""

from __future__ import annotations

from .model import LanguageTag

UNDETERMINED = LanguageTag("und", 0.0)
_MIN_CHARS = 20
_SAMPLE_CHARS = 2000


class LanguageTagger:
    def __init__(self) -> None:
        from langdetect import DetectorFactory
        from langdetect.detector_factory import init_factory

        init_factory()  # profiles load once per process
        DetectorFactory.seed = 0
        self._factory = __import__("langdetect.detector_factory", fromlist=["_factory"])._factory

    def tag(self, text: str) -> LanguageTag:
        sample = text[:_SAMPLE_CHARS]
        if len(sample.strip()) < _MIN_CHARS:
            return UNDETERMINED
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._factory.create()
        detector.append(sample)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return UNDETERMINED
        return LanguageTag(best.lang.lower(), round(best.prob, 4))
