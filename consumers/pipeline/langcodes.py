"""Language codes: every detector's output normalised to the article contract.

Convention (schemas/article.schema.json): ISO 639-1 two-letter codes; Chinese is `zh-hans` or
`zh-hant` by the script of the text (whatever the variety: Mandarin, Cantonese, Wu); Norwegian
Bokmal is `no` (what langdetect says), Nynorsk `nn`; Arabic dialects are `ar`; a language with no
ISO 639-1 code, or one we cannot tell, is `und`. Never a three-letter code.
"""

from __future__ import annotations

UNDETERMINED = "und"
CHINESE_SIMPLIFIED = "zh-hans"
CHINESE_TRADITIONAL = "zh-hant"

# Detector labels that are not plain ISO 639-1 but belong to one (macrolanguage or variety).
_ALIASES = {
    "nb": "no", "ary": "ar", "arz": "ar", "sdh": "ku", "uzs": "uz", "gug": "gn",
    "zh-cn": CHINESE_SIMPLIFIED, "zh-tw": CHINESE_TRADITIONAL,
}
_CHINESE_LABELS = frozenset({"zh", "yue", "wuu"})  # script decided from the text


def han_script(text: str) -> str:
    """zh-hans or zh-hant, by counting characters only one of GB2312 / Big5 can encode."""
    simplified = traditional = 0
    for char in text:
        if not "\u4e00" <= char <= "\u9fff":
            continue
        in_gb, in_big5 = _encodable(char, "gb2312"), _encodable(char, "big5")
        simplified += in_gb and not in_big5
        traditional += in_big5 and not in_gb
    return CHINESE_TRADITIONAL if traditional > simplified else CHINESE_SIMPLIFIED


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def normalize(label: str, text: str = "") -> str:
    """A detector's label as a contract code: ISO 639-1, zh-hans/zh-hant, or und."""
    label = label.lower()
    if label in _CHINESE_LABELS:
        return han_script(text)
    label = _ALIASES.get(label, label)
    if label in (CHINESE_SIMPLIFIED, CHINESE_TRADITIONAL):
        return label
    return label if len(label) == 2 and label.isalpha() else UNDETERMINED


# FLORES-200 language (the part before the script) -> ISO 639-1; absent means "has no ISO 639-1
# code", so the right answer for it is `und`. Used by the benchmark and the quality tests.
FLORES_TO_ISO = {
    "afr": "af", "aka": "ak", "als": "sq", "amh": "am", "arb": "ar", "acm": "ar", "acq": "ar",
    "aeb": "ar", "ajp": "ar", "apc": "ar", "ars": "ar", "ary": "ar", "arz": "ar", "asm": "as",
    "ayr": "ay", "azb": "az", "azj": "az", "bak": "ba", "bam": "bm", "bel": "be", "ben": "bn",
    "bod": "bo", "bos": "bs", "bul": "bg", "cat": "ca", "ces": "cs", "ckb": "ku", "cym": "cy",
    "dan": "da", "deu": "de", "dzo": "dz", "ell": "el", "eng": "en", "epo": "eo", "est": "et",
    "eus": "eu", "ewe": "ee", "fao": "fo", "fij": "fj", "fin": "fi", "fra": "fr", "fuv": "ff",
    "gaz": "om", "gla": "gd", "gle": "ga", "glg": "gl", "grn": "gn", "guj": "gu", "hat": "ht",
    "hau": "ha", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ibo": "ig",
    "ind": "id", "isl": "is", "ita": "it", "jav": "jv", "jpn": "ja", "kan": "kn", "kas": "ks",
    "kat": "ka", "kaz": "kk", "khk": "mn", "khm": "km", "kik": "ki", "kin": "rw", "kir": "ky",
    "kmr": "ku", "knc": "kr", "kon": "kg", "kor": "ko", "lao": "lo", "lim": "li", "lin": "ln",
    "lit": "lt", "ltz": "lb", "lug": "lg", "lvs": "lv", "mal": "ml", "mar": "mr", "mkd": "mk",
    "mlt": "mt", "mri": "mi", "mya": "my", "nld": "nl", "nno": "nn", "nob": "no", "npi": "ne",
    "nya": "ny", "oci": "oc", "ory": "or", "pan": "pa", "pbt": "ps", "pes": "fa", "plt": "mg",
    "pol": "pl", "por": "pt", "prs": "fa", "quy": "qu", "ron": "ro", "run": "rn", "rus": "ru",
    "sag": "sg", "san": "sa", "sin": "si", "slk": "sk", "slv": "sl", "smo": "sm", "sna": "sn",
    "snd": "sd", "som": "so", "sot": "st", "spa": "es", "srd": "sc", "srp": "sr", "ssw": "ss",
    "sun": "su", "swe": "sv", "swh": "sw", "tam": "ta", "tat": "tt", "tel": "te", "tgk": "tg",
    "tgl": "tl", "tha": "th", "tir": "ti", "tsn": "tn", "tso": "ts", "tuk": "tk", "tur": "tr",
    "twi": "tw", "uig": "ug", "ukr": "uk", "urd": "ur", "uzn": "uz", "vie": "vi", "wol": "wo",
    "xho": "xh", "ydd": "yi", "yor": "yo", "zsm": "ms", "zul": "zu",
}


def flores_to_iso(flores: str) -> str:
    """`zho_Hant` -> zh-hant, `fra_Latn` -> fr, `ast_Latn` -> und (no ISO 639-1 code)."""
    language, _, script = flores.partition("_")
    if language in {"zho", "yue"}:
        return CHINESE_TRADITIONAL if script == "Hant" else CHINESE_SIMPLIFIED
    return FLORES_TO_ISO.get(language, UNDETERMINED)
