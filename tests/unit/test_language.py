"""Language tagger: ISO 639-1 codes, `und` when unsure, deterministic, bounded sample."""

from __future__ import annotations

import pytest

from consumers.pipeline import langcodes
from consumers.pipeline.language import SAMPLE_CHARS, LanguageTagger, representative_sample

ENGLISH = ("The city council voted on Tuesday to expand the bus network, after months of complaints "
           "from residents who said the service had become unreliable and too expensive.")
FRENCH = ("Le conseil municipal a voté mardi l'extension du réseau de bus, après des mois de plaintes "
          "d'habitants qui jugeaient le service peu fiable et trop cher.")
GERMAN = ("Der Stadtrat hat am Dienstag beschlossen, das Busnetz zu erweitern, nachdem sich die Bewohner "
          "monatelang über unzuverlässige und zu teure Verbindungen beschwert hatten.")
# Languages langdetect cannot name: it answers Turkish and Estonian for these.
AZERBAIJANI = ("Şəhər şurası çərşənbə axşamı avtobus şəbəkəsinin genişləndirilməsinə səs verdi, çünki "
               "sakinlər aylarla xidmətin etibarsız və çox baha olduğundan şikayət edirdilər.")
GEORGIAN = ("ქალაქის საბჭომ სამშაბათს ავტობუსების ქსელის გაფართოებას დაუჭირა მხარი, მას შემდეგ რაც "
            "მაცხოვრებლები თვეების განმავლობაში უჩიოდნენ მომსახურებას.")
SIMPLIFIED = "市议会星期二投票决定扩大公共汽车网络，此前居民抱怨服务不可靠而且太贵已经好几个月了。"
TRADITIONAL = "市議會星期二投票決定擴大公共汽車網絡，此前居民抱怨服務不可靠而且太貴已經好幾個月了。"


@pytest.fixture(scope="module")
def tagger() -> LanguageTagger:
    return LanguageTagger()


@pytest.mark.parametrize("text, code", [(ENGLISH, "en"), (FRENCH, "fr"), (GERMAN, "de"),
                                        (AZERBAIJANI, "az"), (GEORGIAN, "ka"),
                                        (SIMPLIFIED, "zh-hans"), (TRADITIONAL, "zh-hant")])
def test_names_the_language(tagger: LanguageTagger, text: str, code: str) -> None:
    tag = tagger.tag(text)
    assert tag.code == code
    assert 0.5 < tag.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "Hello!", "12 34 56 78 90 -- 11:30 ++ 2024/01/01", "    \n\n  "])
def test_too_little_text_is_undetermined(tagger: LanguageTagger, text: str) -> None:
    tag = tagger.tag(text)
    assert (tag.code, tag.confidence) == ("und", 0.0)


def test_langdetect_alone_is_wrong_where_the_tagger_is_right(tagger: LanguageTagger) -> None:
    # The reason for the second detector: langdetect's answer for Azerbaijani is a wrong code.
    assert tagger.langdetect(AZERBAIJANI)[0] != "az"
    assert tagger.tag(AZERBAIJANI).code == "az"


def test_same_text_same_tag_across_taggers(tagger: LanguageTagger) -> None:
    mixed = ENGLISH + " " + FRENCH[:60]
    first = tagger.tag(mixed)
    assert all(tagger.tag(mixed) == first for _ in range(5))
    assert LanguageTagger().tag(mixed) == first


def test_codes_are_two_letters_or_chinese_or_und(tagger: LanguageTagger) -> None:
    for text in (ENGLISH, FRENCH, GERMAN, AZERBAIJANI, GEORGIAN, SIMPLIFIED, TRADITIONAL, "x"):
        code = tagger.tag(text).code
        assert code in ("und", "zh-hans", "zh-hant") or (len(code) == 2 and code.isalpha())


def test_long_text_is_sampled_from_start_middle_and_end() -> None:
    text = " ".join(f"start{i}" for i in range(300)) + " " + " ".join(f"middle{i}" for i in range(300)) \
        + " " + " ".join(f"end{i}" for i in range(300))
    sample = representative_sample(text)
    assert len(sample) <= SAMPLE_CHARS + 2
    assert "start" in sample and "middle" in sample and "end" in sample
    assert representative_sample(ENGLISH) == ENGLISH


def test_long_article_keeps_its_language(tagger: LanguageTagger) -> None:
    assert tagger.tag("\n\n".join([FRENCH] * 40)).code == "fr"


@pytest.mark.parametrize("label, code", [("zh-cn", "zh-hans"), ("zh-tw", "zh-hant"), ("nb", "no"),
                                         ("ary", "ar"), ("ace", "und"), ("pcm", "und"), ("EN", "en")])
def test_detector_labels_become_contract_codes(label: str, code: str) -> None:
    assert langcodes.normalize(label) == code


def test_chinese_script_decides_the_variant() -> None:
    assert langcodes.normalize("zh", SIMPLIFIED) == "zh-hans"
    assert langcodes.normalize("yue", TRADITIONAL) == "zh-hant"


@pytest.mark.parametrize("flores, code", [("eng_Latn", "en"), ("zho_Hant", "zh-hant"), ("yue_Hant", "zh-hant"),
                                          ("zho_Hans", "zh-hans"), ("arz_Arab", "ar"), ("nob_Latn", "no"),
                                          ("ast_Latn", "und"), ("swh_Latn", "sw")])
def test_flores_varieties_map_to_iso(flores: str, code: str) -> None:
    assert langcodes.flores_to_iso(flores) == code


KNOWN = frozenset({"en", "fr", "hr", "tr", "et"})


@pytest.mark.parametrize("primary, ranked, code", [
    (("en", 0.99), [("en", 0.97), ("fr", 0.01)], "en"),          # agreement
    (("fr", 0.6), [("en", 0.8), ("fr", 0.1)], "en"),            # both known, py3langid wins
    (("hr", 0.9), [("bs", 0.6), ("hr", 0.35)], "hr"),           # close pair: langdetect is runner-up
    (("tr", 0.99), [("az", 0.95), ("tr", 0.02)], "az"),         # outside langdetect, sure
    (("et", 0.99), [("ka", 0.7), ("hy", 0.2)], "und"),          # outside langdetect, unsure
    (("en", 0.99), [("und", 0.9), ("en", 0.05)], "und"),        # a language with no ISO 639-1 code
    (("en", 0.99), [], "und"),
])
def test_decision_rule(primary, ranked, code) -> None:
    from consumers.pipeline.language import combine

    assert combine(primary, ranked, KNOWN).code == code
