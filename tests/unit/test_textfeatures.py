"""The compiled text record (consumers/pipeline/_textfeatures.c) against the Python reference it
replaces: the same features, float for float (compared as float.hex and types), the same tokens
and the same content words."""

from __future__ import annotations

import random

import pytest

from consumers.pipeline import features
from consumers.pipeline.features import _CAPITALS, _CJK_FUNCTION, _END_PUNCT

needs_compiled = pytest.mark.skipif(not features.COMPILED_TEXT_FEATURES,
                                    reason="the _textfeatures extension is not built")


def compiled(text: str):
    """The C function with what `features.text_record` hands it (no cache in between)."""
    return features._compiled_text_record(text, text.lower(), features.stopwords(), features._boiler_in_lowered,
                                          features._date_like)


def bits(result) -> tuple:
    """The structure, the types and the exact bits of a text_record result."""
    row, tokens, content = result
    values = features._TEXT_ROW.unpack(row)
    return (len(result), type(row), len(row), tuple(v.hex() for v in values), type(tokens), tokens, type(content),
            content)


def assert_same(text: str) -> None:
    assert bits(compiled(text)) == bits(features._text_record_python(text)), repr(text[:80])


LONG_PROSE = ("The committee met on Tuesday, and after a long debate, it agreed to the plan. "
              "Critics said the cost (about 4.5 million) was too high! Would it pass? ") * 400
HAND_WRITTEN = [
    "", " ", "\n\t  \r\n", "\u00a0\u2009\u3000 ", "a", "A", "Home", "Home | News | Sport",
    "The quick brown fox jumps over the lazy dog. It was not amused!",
    "Der Bürgermeister äußerte sich über die Größe des Projekts. Öffentliche Gelder fließen.",
    "L'été dernier, à Paris, où il fait très chaud, les élèves ont passé leurs examens.",
    "Zażółć gęślą jaźń. Świętokrzyskie województwo ogłosiło wyniki; Łódź też.",
    "天气很好。我们去公园了。他说这个不是我的。",  # Chinese, function characters
    "東京で会議が開かれた。政府は新しい計画を発表しました。",  # Japanese hiragana particles
    "Apple 发布 new iPhone models in California today with many features",  # CJK under 0.3
    "iPhone 15 Pro 发布会在加州举行了",  # CJK over 0.3 with ASCII tokens
    "한국어 문장입니다. 서울에서 회의가 열렸다.",  # Hangul
    "قال الرئيس إن الحكومة ستعلن عن خطة جديدة في ٢٠٢٤ و ١٢ مشروعاً.",  # Arabic, Arabic-Indic digits
    "Президент заявил, что правительство объявит новый план. Это важно!",
    "Mixed: English, Deutsch (Straße), 中文, русский, ελληνικά — all in one line…",
    "To be continued...", "Read the rest …", "Und so weiter [\u2026]", "Ends with [...]", "..",
    "He said \"stop.\" Then left.", "She asked 'why?' and (quietly.) went on.", "Done.)", "Done.]",
    "Right.\u201d Next.\u2019 x", "End.\"", "Stop!x", "Stop!\u00a0Next", "Stop?\u2003Next", "Stop.\u3000次",
    "第一。第二！第三？", "「引用文です。」", "Ends with a colon:", "semi;", "quote'  ", "paren)\n",
    "Price 12,50 € · 3 items • free | shipping", "Published 12/10/2025 | Home | News", "March 3, 2024",
    "Digits ٠١٢٣٤٥٦٧٨٩ and ०१२३ and ０１２", "emoji 😀 party 🎉. Rocket 🚀!", "𝟘𝟙𝟚 math digits 𐒠𐒡",
    "snake_case_words and __dunder__ names _private", "Leave a reply", "Share this article on Facebook",
    "Cookie policy © 2024 All rights reserved", "ÀÉÎÕÜ capitals Ñandú ×times Þorn ßeta",
    "a\x1cb\x1dc\x1ed\x1fe\x85f", "tab\tseparated\vwords\fhere", LONG_PROSE, "天" * 5000, "x" * 10000,
]


def test_the_install_compiled_text_features():
    assert features.COMPILED_TEXT_FEATURES, \
        "the _textfeatures extension is not built: reinstall with a C compiler (pip install -e .)"


@needs_compiled
@pytest.mark.parametrize("text", HAND_WRITTEN, ids=range(len(HAND_WRITTEN)))
def test_hand_written_texts_give_the_same_features_both_ways(text):
    assert_same(text)


CJK_RUN = "\u5929" * 6  # a third of the 18 characters below: the CJK branch


@needs_compiled
def test_every_bmp_code_point_falls_in_the_same_classes_both_ways():
    """Each code point as a word opening, a separator, a closer after '.' and the last character,
    after enough CJK to take the CJK branch (where the function characters count too; ASCII ones
    also alone, Python's ASCII path): a class that differs between the C tables and features.py
    shows up here."""
    astral = [chr(c) for c in range(0x10000, 0x110000, 97)] + ["\U0001D7CE", "\U000104A0", "\U0001F600"]
    for char in [*map(chr, range(0x10000)), *astral]:
        assert_same(f"{CJK_RUN} {char}{char} x{char}. .{char} {char}")
    for char in map(chr, range(128)):
        assert_same(f"{char}{char} x{char}. .{char} {char}")


@needs_compiled
def test_every_code_point_is_a_word_character_the_way_re_says():
    """The tokens depend on the lowered text alone: each code point (lowered or not) inside,
    around and as a word, against `\\w+` of Python's re."""
    stop, boiler, date = features.stopwords(), features._boiler_in_lowered, features._date_like
    for code in [*range(0x10000), *range(0x10000, 0x110000, 31)]:
        char = chr(code)
        lowered = f"a{char}b {char}{char} _{char}"
        tokens = features._compiled_text_record("x", lowered, stop, boiler, date)[1]
        assert tokens == features._WORD.findall(lowered), hex(code)


@needs_compiled
def test_the_tables_hold_every_member_of_the_python_sets():
    # spelled out for the reader; the code point sweep above covers them too
    for char in sorted(_CAPITALS | _END_PUNCT | _CJK_FUNCTION):
        assert_same(f"{char}{char} {char}")
        assert_same(f"\u5929{char}\u5929{char}")


FUZZ_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_,;:.!?'\"()[]|-/ "
    "äöüßÄÖÜéèêàçÉÀąćęłńóśźżŁŚ×÷ÞÐ" "\u00a0\u2009\u3000\n\t\r\x0b\x0c\x1c\x85"
    "\u201c\u201d\u2018\u2019\u2026\u00b7\u2022\u00a9" "\u3002\uff01\uff1f\u300c\u300d"
    + "".join(sorted(_CJK_FUNCTION)) + "天气公园東京会議政府한국어문장"
    "قالالرئيس٠١٢٣٤٥٦٧٨٩" "Президент" "😀🎉🚀𝟘𝟙"
)
FUZZ_WORDS = ["the ", "und ", "de ", "la ", "and ", "Der ", "...", "[\u2026]", ". ", ".\" ", "!) ", "12/10/2025 "]


def fuzz_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randrange(0, 60)):
        if rng.random() < 0.2:
            parts.append(rng.choice(FUZZ_WORDS))
        else:
            parts.append("".join(rng.choices(FUZZ_ALPHABET, k=rng.randrange(1, 8))))
    return "".join(parts)


@needs_compiled
@pytest.mark.parametrize("seed", range(4))
def test_random_texts_give_the_same_features_both_ways(seed):
    rng = random.Random(seed)
    for _ in range(1000):
        assert_same(fuzz_text(rng))


@needs_compiled
def test_the_cached_function_gives_the_reference_features():
    for text in HAND_WRITTEN[:20]:
        assert bits(features.text_record(text)) == bits(features._text_record_python(text))
        assert features.text_features(text) == features._text_features_python(text)
        assert features.text_record(text)[1:] == (features.words_of(text), features.content_words(text))


@needs_compiled
def test_arguments_of_other_types_are_refused():
    stop, boiler, date = features.stopwords(), features._boiler_in_lowered, features._date_like
    with pytest.raises(TypeError):
        features._compiled_text_record("a b", b"a b", stop, boiler, date)
    with pytest.raises(TypeError):
        features._compiled_text_record("a b", "a b", ["a", "b"], boiler, date)
    with pytest.raises(TypeError):
        features._compiled_text_record(b"a b", "a b", stop, boiler, date)
    with pytest.raises(TypeError):
        features._compiled_text_record("a b", "a b", stop, boiler)


@needs_compiled
def test_an_error_in_a_callable_reaches_the_caller():
    def broken(text):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        features._compiled_text_record("short", "short", features.stopwords(), broken, features._date_like)
    assert features._compiled_text_record("x" * 500, "x" * 500, features.stopwords(), broken, broken)


@needs_compiled
def test_count_members_counts_like_python():
    words = frozenset({"the", "rain", "valley", "\u5929"})
    lists = [[], ["the"], ["the", "the", "x"], ["rain", "in", "the", "valley", "\u5929", "Rain"], ["a"] * 50]
    assert features._compiled_count_members(lists, words) == features._count_members_python(lists, words)
    assert features._compiled_count_members([], words) == []
    with pytest.raises(TypeError):
        features._compiled_count_members([("the",)], words)
    with pytest.raises(TypeError):
        features._compiled_count_members([["the"]], ["the"])


def test_without_the_extension_the_python_reference_runs(monkeypatch):
    monkeypatch.setattr(features, "_compiled_text_record", None)
    text = "Without a compiler. Das Ergebnis ist gleich."
    assert bits(features.text_record.__wrapped__(text)) == bits(features._text_record_python(text))
