"""Language of the story text: langdetect, checked by py3langid, `und` when unsure.

langdetect is the product's detector but knows only 55 languages and names one of them for any
text (Azerbaijani comes out Turkish, Georgian Estonian). py3langid (140 labels, calibrated
probabilities) is asked too, on the same bounded sample:
- both name the same language -> that language;
- py3langid names a language langdetect also knows, and they disagree -> py3langid's answer
  (on SIB-200 it is the more accurate of the two on short texts, e.g. Chinese, Danish/Norwegian);
- py3langid names a language langdetect cannot -> langdetect's answer if it is py3langid's
  runner-up (close pairs such as Croatian/Bosnian), else py3langid's answer if it is at least
  OUTSIDE_MIN_PROBABILITY sure, else `und`.
Figures and the reasons for each rule: docs/tags.md (bench/tags.py measures them).
"""

from __future__ import annotations

import importlib
from functools import cache

from . import langcodes
from .model import LanguageTag

UNDETERMINED = LanguageTag(langcodes.UNDETERMINED, 0.0)
MIN_LETTERS = 20
SAMPLE_CHARS = 1200  # chosen by `bench/tags.py --sample-sizes`: no accuracy gain beyond it
SAMPLE_WINDOWS = 3
OUTSIDE_MIN_PROBABILITY = 0.9
RUNNER_UP_MIN_PROBABILITY = 0.2
_LANGDETECT_SEED = 0


def representative_sample(text: str, max_chars: int = SAMPLE_CHARS, windows: int = SAMPLE_WINDOWS) -> str:
    """Whole text if short, else `windows` slices spread over it (start, middle, end), cut at spaces.

    A prefix alone can be a dateline or a quote in another language; spread slices are not.
    """
    if len(text) <= max_chars:
        return text
    width = max_chars // windows
    step = (len(text) - width) / max(1, windows - 1)
    slices = []
    for i in range(windows):
        start = int(i * step)
        piece = text[start:start + width]
        if start:
            piece = piece.split(maxsplit=1)[-1] if " " in piece else piece
        slices.append(piece.rsplit(" ", 1)[0] if " " in piece else piece)
    return "\n".join(slices)


def letter_weight(text: str) -> int:
    """Letters, a CJK/kana/hangul character counting as three: 7 of them say as much as 20 letters."""
    return sum((3 if char >= "\u2e80" else 1) for char in text if char.isalpha())


@cache
def langdetect_engine():
    """langdetect's algorithm and profiles: from langdetect-rs, a Rust port that returns
    bit-identical probabilities about 40x faster (tests/unit/test_language_engine.py checks
    the identity against langdetect 1.0.9), else from langdetect itself."""
    try:
        import langdetect_rs as engine
    except ImportError:  # pragma: no cover - the pinned dependency is normally there
        import langdetect as engine
    return engine


def _engine(name: str | None):
    """The named langdetect implementation (tests compare them), else the product's choice."""
    return importlib.import_module(name) if name else langdetect_engine()


@cache
def _langdetect_factory(engine_name: str | None = None):
    """langdetect's profiles, loaded once per process, with a fixed seed (deterministic)."""
    engine = _engine(engine_name)
    factory = engine.detector_factory.DetectorFactory()
    factory.load_profile(engine.detector_factory.PROFILES_DIRECTORY)
    factory.set_seed(_LANGDETECT_SEED)
    return factory


@cache
def _py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def langdetect_languages() -> frozenset[str]:
    """The contract codes langdetect can name (55 languages; Chinese as zh-hans/zh-hant)."""
    return frozenset(langcodes.normalize(code) for code in _langdetect_factory().get_lang_list())


class LanguageTagger:
    def __init__(self, sample_chars: int = SAMPLE_CHARS, engine_name: str | None = None) -> None:
        self.sample_chars = sample_chars
        self._langdetect = _langdetect_factory(engine_name)
        self._no_features = _engine(engine_name).lang_detect_exception.LangDetectException
        self._py3langid = _py3langid()
        self._known_to_langdetect = langdetect_languages()

    def tag(self, text: str) -> LanguageTag:
        if letter_weight(text[:2000]) < MIN_LETTERS:
            return UNDETERMINED
        sample = representative_sample(text, self.sample_chars)
        return combine(self.langdetect(sample), self.py3langid(sample), self._known_to_langdetect)

    def langdetect(self, sample: str) -> tuple[str, float]:
        """langdetect alone: (contract code, probability); `und` when it finds no features."""
        detector = self._langdetect.create()
        detector.append(sample)
        try:
            best = detector.get_probabilities()
        except self._no_features:
            return langcodes.UNDETERMINED, 0.0
        if not best:
            return langcodes.UNDETERMINED, 0.0
        return langcodes.normalize(best[0].lang, sample), best[0].prob

    def py3langid(self, sample: str, top: int = 2) -> list[tuple[str, float]]:
        """py3langid's best labels as contract codes with probabilities (merged when they alias)."""
        merged: dict[str, float] = {}
        for label, probability in self._py3langid.rank(sample)[:top + 2]:
            code = langcodes.normalize(label, sample)
            merged[code] = merged.get(code, 0.0) + probability
        return sorted(merged.items(), key=lambda pair: -pair[1])[:top]


def combine(primary: tuple[str, float], ranked: list[tuple[str, float]],
            known_to_primary: frozenset[str]) -> LanguageTag:
    """The decision rule (module docstring): langdetect's answer checked by py3langid's ranking."""
    if not ranked or ranked[0][0] == langcodes.UNDETERMINED:
        return UNDETERMINED
    (code, probability), (broad, broad_probability) = primary, ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else (langcodes.UNDETERMINED, 0.0)
    if broad == code:
        return LanguageTag(code, round(max(probability, broad_probability), 4))
    if broad in known_to_primary:
        return LanguageTag(broad, round(broad_probability, 4))
    if code == runner_up[0] and runner_up[1] >= RUNNER_UP_MIN_PROBABILITY:
        return LanguageTag(code, round(runner_up[1], 4))
    if broad_probability >= OUTSIDE_MIN_PROBABILITY:
        return LanguageTag(broad, round(broad_probability, 4))
    return UNDETERMINED
