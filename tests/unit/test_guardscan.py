"""The compiled guard scan (consumers/pipeline/_guardscan.c) against the Python it replaces
(guards._TreeEstimate fed by guards._TOKENS.findall): the same verdict, None or the same message,
on hand-written pages covering every rule, the hostile pages, seeded random tag soups and every
character the tokenizer's case-insensitive matching treats apart. Each page is compared under a
sweep of depth and element limits, so the estimated depth and element count must agree exactly,
not only the final verdict."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from consumers.pipeline import guards
from consumers.pipeline.decode import decode_record
from consumers.pipeline.model import BodyFormat, Limits, RawPage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
import guard_survey  # noqa: E402
from corpus import cases  # noqa: E402

# Run even when the import self-check turned the compiled scan off: these tests say where it differs.
needs_compiled = pytest.mark.skipif(guards._guardscan is None, reason="the _guardscan extension is not built")

DEFAULT = Limits()
TIGHT = Limits(max_dom_depth=20, max_dom_nodes=500, max_select_options=3, max_tag_attributes=5)
SWEEP = ([replace(DEFAULT, max_dom_depth=d) for d in range(-1, 14)] + [replace(DEFAULT, max_dom_nodes=n) for n in range(-1, 30)]
         + [replace(DEFAULT, max_select_options=o) for o in range(-1, 4)] + [DEFAULT, TIGHT])


python, compiled = guards._scan_python, guards._scan_compiled


def assert_same(html: str, limits_list=(DEFAULT, TIGHT)) -> list[str | None]:
    verdicts = []
    for limits in limits_list:
        expected = python(html, limits)
        assert compiled(html, limits) == expected, (html[:300], limits)
        verdicts.append(expected)
    return verdicts


def test_the_install_compiled_the_guard_scan():
    assert guards._guardscan is not None, \
        "the _guardscan extension is not built: reinstall with a C compiler (pip install -e .)"
    assert guards.COMPILED_GUARD_SCAN, "_guardscan is built but not used (its patterns or self-check differ)"


@needs_compiled
def test_the_c_copies_of_the_patterns_match_guards():
    assert guards._guardscan_matches_this_module()


@needs_compiled
def test_html_complexity_uses_the_compiled_scan_within_its_limits(monkeypatch):
    calls = []
    monkeypatch.setattr(guards._guardscan, "scan", lambda *args: calls.append(args) or "stub")
    page = "<div>" * 1200
    assert guards.html_complexity(page, DEFAULT) == "stub"
    # limits beyond 64-bit-safe counts take the Python path
    assert guards.html_complexity(page, replace(DEFAULT, max_dom_depth=2 ** 41)) is None
    assert len(calls) == 1


RAW = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
PAGES = {
    # comments: every way the tokenizer ends one (the tags after them count or not)
    "empty comment": "<!--><b><i>x",
    "empty comment with dash": "<!---><b><i>",
    "comment closed by --!>": "<!-- a --!><b><i>",
    "comment with --!x inside": "<!-- a --!x <b> --><i>",
    "comment with -- > inside": "<!-- a -- > <b> --><i><u>",
    "four dashes": "<!----><b><!-----><i><!-- -- --><u>",
    "unterminated comment": "<p><!-- never closed <b><i><u>",
    "comment cut after dashes": "<b><!-- a --",
    "comment cut after --!": "<b><!-- a --!",
    "not a comment": "<!DOCTYPE html><! b><!-x><b><i>",
    # raw text, by element, every end
    **{f"{name} closed": f"<{name}><b><i></{name}><u><s>" for name in RAW},
    **{f"{name} mixed case": f"<{name.upper()} a=1><b></{name.title()}\t><i><u>" for name in RAW},
    **{f"{name} unterminated": f"<p><{name}><b><i>" for name in RAW},
    **{f"{name} self-closing syntax": f"<{name}/><b></{name}/><i>" for name in RAW},
    **{f"{name} end tag needs a delimiter": f"<{name}>a</{name}x><b></{name}><i>" for name in RAW},
    **{f"{name} longer name": f"<{name}x><b></{name}x><i>" for name in RAW},
    "raw text twice": "<script>a</script><b><script>c<p></script><i><SCRIPT></script><u>",
    "raw name cut at the end": "<b><script",
    "raw end tag cut at the end": "<script>a</script",
    "raw text without >": "<b><style a=1",
    "raw attributes counted": "<script " + " ".join(f"a{i}" for i in range(150)) + "></script><b>",
    "raw attributes named as written": "<ScRiPt " + " ".join(f"a{i}" for i in range(150)) + "></script><b>",
    # SVG and MathML: raw-text elements are ordinary and their content is markup
    "svg title": "<svg><title>a<b>b</b><i></title><u>",
    "svg script": "<svg><script><p><b></script></svg><i>",
    "math style self-closed": "<math><style/><b></style><i>",
    "svg nested raw text": "<svg><title><title><b><i></title><u>",
    "svg raw text closing svg": "<svg><style>a</svg><p>b</style><i><u>",
    "svg self-closing": "<svg><g/><g/><path/><g><g></svg><b>",
    "svg void": "<svg><br/><img><g/></svg>",
    "self-closing outside svg": "<div/><span/><b/><i>",
    "svg raw attributes counted twice": "<svg><script " + " ".join(f"a{i}" for i in range(150)) + "></script>",
    "svg xmp closes p": "<svg><p><xmp><b></xmp><i>",
    "svg raw text cut at the end": "<svg><textarea>" + "<g>" * 6,
    "svg raw text cut by its container's end": "<svg><script><title>x</script><b><i></svg><u>",
    "math mi boundary": "<math><mi><p><div></p></math><b>",
    # the p rules: button scope, boundaries, formatting left dangling
    "p closed by blocks": "<p><div><p><ul><p>x<h1><p><table><p><li>",
    "p closing pops formatting": "<p><b><i><span><div><u>",
    "button scope": "<button><p><div><b>",
    "boundary scope": "<p><table><td><div><b></td><div>",
    "p inside object": "<p><object><p><div></object><div>",
    "boundary right above p": "<p><object><div><b><p><marquee><ul><i>",
    "button right above p": "<p><button><div><b><i>",
    # end tags
    "heading end closes any heading": "<h1><b><h2>x</h1><i><u>",
    "heading end with no heading": "<p>x</h6><b><i>",
    "heading end out of scope": "<h3><table><td>x</h4><b>",
    "ordinary end through span": "<div><span><p></div><b>",
    "formatting end blocked by special": "<a><div></a><b><i>",
    "formatting dangling": "<b><i><u></b><s><s>",
    "dangling decremented": "<p><b><i></p></b></i><u><s>",
    "special end in scope": "<table><td><div></table><b>",
    "special end out of scope": "<div><applet><p></div><b>",
    "unknown element end": "<x-y><p></x-y><b></x-z>",
    "current node end": "<div><span></span></div><b></b>",
    "close ignored when not open": "</div></b></p><b>",
    # families closed when the current node
    "li": "<li><li><ul><li><b><li><li>",
    "dt dd": "<dt><dd><dt><dl><dd>",
    "table parts": "<table><tr><td><td><th><tr><tbody><thead><caption><colgroup><col>",
    "options": "<option><option><optgroup><option><b><option>",
    "optgroup in select": "<select><optgroup><optgroup><option><optgroup>",
    "optgroup outside select": "<optgroup><optgroup><optgroup>",
    "ruby parts": "<ruby><rb><rt><rp><rtc><rt></ruby><rt><rt>",
    "void elements": "<br><img><input><hr><meta><link><wbr><image><isindex><keygen><html><head><body><b>",
    "select options limit": "<select>" + "<option>" * 5,
    # names: odd characters, case, non-ASCII lowering
    "nul bytes": "<div\x00><b\x00>x</b\x00><\x00><i>",
    "lt inside names": "<a<b><i<u></i<u><s>",
    "whitespace kinds": "<div\x0b><p\x1c>x<span\u3000>y<b\u2028>z</b\u2028><i\x85></div\t>",
    "unicode whitespace ends names": "<p\u3000><div\x1c><li\x85><li\u2028><b\u2003></b\u3000><script\xa0><i></script\u2029><u>",
    "non-letter starts": "<1><é><\U0001F600><-x><b>",
    "long s and dotless i": "<ſcript>x<b></ſcript><i><ıframe><u></ıframe><s>",
    "dotted I": "<SCRİPT><b></SCRİPT><i></script><u>",
    "kelvin keygen is void": "<\u212aeygen><\u212aEYGEN><b>",
    "final sigma": "<aΣ><aσ></aς><b></AΣ>",
    "astral and surrogates": "<d\ud800><d\ud800></d\ud800><\U00010400><b\U0001F600>x",
    "uppercase vocabulary": "<DIV><P><B><TABLE><TD></TABLE></B></DIV><SVG><TITLE><I></TITLE>",
    "title outside svg": "<title><b></title><i><titlex><u>",
    "unclosed tag at end": "<b><i",
    "empty": "",
}


@needs_compiled
@pytest.mark.parametrize("name", list(PAGES))
def test_hand_written_pages_give_the_same_verdicts(name):
    assert_same(PAGES[name], SWEEP)


def attribute_list(count: int, style: str) -> str:
    return {"plain": " ".join(f"a{i}" for i in range(count)),
            "quoted": "".join(f'a{i}="{i} x"' for i in range(count)),
            "spaced": " ".join(f"A{i} = 'v' / a{i}\t=\n{i}" for i in range(count)),
            "slashes": "/".join(f"a{i}" for i in range(count)),
            "unterminated": " ".join(f"a{i}" for i in range(count)) + ' b="open \'c\' d',
            "empty names": " ".join('="x" \'y\' =z' for _ in range(count)),
            "odd spaces": "\x1c".join(f"a{i}\x1f=\x0b1" for i in range(count)),
            "non-ASCII": " ".join(f"é{i}=1 É{i}" for i in range(count))}[style]


@needs_compiled
@pytest.mark.parametrize("style", ["plain", "quoted", "spaced", "slashes", "unterminated", "empty names", "odd spaces",
                                   "non-ASCII"])
def test_attribute_counts_and_work_agree(style):
    one = f"<div {attribute_list(60, style)}>x</div>"
    for limit in range(0, 140, 3):  # the per-tag limit crosses the exact count
        assert_same(one, [replace(DEFAULT, max_tag_attributes=limit)])
    many = "".join(f"<p {attribute_list(30 + i % 7, style)}>" for i in range(40))
    for limit in (8, 30, 33, 36, 40, 60, 100, 200, 400):  # the work limit, counted at once or deferred
        assert_same(many, [replace(DEFAULT, max_tag_attributes=limit)])


@needs_compiled
def test_every_limit_message_is_reached():
    messages = {"max_dom_depth": "<div>" * 30, "max_dom_nodes": "<br>" * 600, "max_select_options": "<option>" * 9,
                "max_tag_attributes": "<a " + " ".join(f"x{i}" for i in range(300)) + ">",
                "as costly as": "".join("<a " + " ".join(f"x{i}" for i in range(4)) + " y" * 140 + ">" for _ in range(20))}
    for needle, html in messages.items():
        [verdict] = assert_same(html, [TIGHT])
        assert verdict is not None and needle in verdict
    exactly = "<a " + " ".join(f"x{i}" for i in range(4)) + " y" * 140 + ">"  # 5 names, 25 units of work
    assert assert_same(exactly * 16, [TIGHT]) == [None]  # at the work limit (16 tags of 5), not over it
    # the same once deferred: 16 tags of 200 one-char names (bound 200, not counted yet), then a tag
    # without names whose bound makes the deferred ones counted: exactly 16 * 200 ** 2
    full, empty = "<p" + "".join(" " + chr(0x4e00 + i) for i in range(200)) + ">", "<p" + " " * 300 + ">"
    limits = replace(DEFAULT, max_tag_attributes=200)
    assert assert_same(full * 16 + empty, [limits]) == [None]
    assert "as costly as" in assert_same(full * 17 + empty, [limits])[0]


@needs_compiled
def test_negative_and_huge_limits():
    for limits in (replace(DEFAULT, max_dom_nodes=-1), replace(DEFAULT, max_tag_attributes=-2),
                   replace(DEFAULT, max_dom_depth=-5), replace(DEFAULT, max_tag_attributes=2 ** 40),
                   replace(DEFAULT, max_dom_nodes=2 ** 40, max_dom_depth=2 ** 40, max_select_options=-2 ** 40)):
        for html in ("", "<!-- only a comment -->", "<b>", "<div " + "a " * 200 + ">", "<select><option><option>"):
            assert_same(html, [limits])


# The tokenizer is re.I on a str: sre folds these onto ASCII letters ([A-Za-z] and the raw-text
# names), and compares a raw-text end tag to its start by simple lowercase.
FOLDED = "\u0130\u0131\u017f\u212a"


def characters(seed: int) -> list[str]:
    rng = random.Random(seed)
    cased = [c for c in map(chr, range(0x250)) if not 0xd800 <= ord(c) < 0xe000]
    special = [chr(c) for c in range(0x10000) if chr(c).lower() != chr(c) and chr(c).upper() != chr(c).lower()
               and not chr(c).isascii()][:3000]
    return cased + special + list(FOLDED) + [chr(rng.randrange(0x110000)) for _ in range(1000)]


@needs_compiled
def test_case_insensitive_names_match_as_sre_does():
    for c in characters(1):
        nodes = [replace(DEFAULT, max_dom_nodes=n) for n in range(0, 5)]
        assert_same(f"<{c}cript>x<b></{c}cript><i>", nodes)       # a raw-text start and end
        assert_same(f"<script>x</{c}cript><b><i>", nodes)         # the end tag alone
        assert_same(f"<title>x</t{c}tle><b><i>", nodes)
        assert_same(f"<{c}x><{c}>", nodes)                       # [A-Za-z] as the first letter
        assert_same(f"<svg><ti{c}le><b></ti{c}le></svg><b><i>", nodes)
        assert_same(f"<b{c}><b{c}></B{c.upper()}><i>", [replace(DEFAULT, max_dom_depth=d) for d in range(4)])
    for start in FOLDED:  # start tags spelled with a folded letter, ended by every spelling
        for end in FOLDED + "sSiIkK":
            for name in ("script", "iframe", "title", "style"):
                page = f"<{name.replace('s', start).replace('i', start)}>x</{name.replace('s', end).replace('i', end)}><b><i>"
                assert_same(page, [replace(DEFAULT, max_dom_nodes=n) for n in range(3)])


NAMES = (guard_survey.TAGS + list(RAW) + "s em h3 h4 h5 h6 mn ms mtext desc annotation-xml rb rtc search listing x-y".split()
         + ["ſcript", "SCRİPT", "ıframe", "\u212aeygen", "dİv", "aΣ", "Div", "TABLE"])
VALUES = ["", "=1", '="q p"', "='a\"b'", ' = "x"', '"', "'", "=a/b", "\t=\n'v'", "=é", "/"]
NOISE = ["text", "a<b", "<", "</", "<!", "é", "\x00", "\U0001F600", "\ud800", " < / > ", "<!-- c -->", "<!-->",
         "<!--->", "<!-- a --!>", "<!-- open", "-->"]


def random_soup(rng: random.Random) -> str:
    vocabulary = rng.sample(NAMES, rng.randint(2, 14))
    parts = []
    for _ in range(rng.choice((5, 40, 200, 800))):
        name, draw = rng.choice(vocabulary), rng.random()
        name = name.upper() if rng.random() < 0.15 else name
        attrs = "".join(f" {rng.choice(['a', 'B', 'x1', 'data-é'])}{rng.choice(VALUES)}" for _ in range(rng.choice((0, 0, 1, 3))))
        if rng.random() < 0.01:
            attrs += " " + " ".join(f"n{i}" for i in range(rng.randint(100, 300)))
        parts.append(f"</{name}>" if draw < 0.35 else f"<{name}{attrs}{'/' if rng.random() < 0.1 else ''}>"
                     if draw < 0.85 else rng.choice(NOISE))
    return "".join(parts)


@needs_compiled
def test_random_tag_soups_give_the_same_verdicts():
    limits = [DEFAULT, TIGHT, Limits(max_dom_depth=8, max_dom_nodes=60, max_tag_attributes=30, max_select_options=1)]
    reached = set()
    for seed in range(3000):
        for verdict in assert_same(random_soup(random.Random(seed)), limits):
            reached.add(verdict and verdict.rsplit("(limit ", 1)[-1].rstrip(")"))
    assert {None, "max_dom_depth", "max_dom_nodes", "max_tag_attributes", "max_select_options"} <= reached


def hostile_pages() -> list[tuple[str, str]]:
    pages = []
    for case in cases():
        page = decode_record(case.build(), DEFAULT)
        if isinstance(page, RawPage) and page.body_format is BodyFormat.HTML:
            pages.append((case.name, page.body))
    pages += list(guard_survey.BOMBS.items())
    for name, (unit, tail) in guard_survey.SHAPES.items():
        pages.append((name, "".join(unit.format(i=i) for i in range(3000)) + tail * 3000))
    return pages


@needs_compiled
def test_the_hostile_pages_give_the_same_verdicts():
    pages = hostile_pages()
    assert len(pages) > 40
    for name, html in pages:
        for limits in (DEFAULT, TIGHT, guard_survey.UNLIMITED):
            assert compiled(html, limits) == python(html, limits), name


@needs_compiled
def test_huge_and_malformed_pages():
    mib = 1 << 20
    pages = ["<!--" + "<div>" * (mib // 5),                       # an unterminated comment
             "<script>" + "<div>" * (mib // 5),                    # an unterminated script
             "<svg><style>" + "<div>x" * (mib // 6),              # raw text scanned as markup
             "\x00<" * mib, "<" * mib, "</" * mib, "<a" * mib, "-->" * mib,
             "".join(chr(c) for c in range(0x20, 0x110000, 7) if not 0xd800 <= c < 0xe000) + "<b>" * 3000,
             "<p>\ud800<b\udfff>" * 20000,
             "<table>" + "<td><div>" * 3000]
    for html in pages:
        for limits in (DEFAULT, TIGHT, guard_survey.UNLIMITED):
            assert compiled(html, limits) == python(html, limits), html[:40]


@needs_compiled
def test_raw_text_nested_past_the_python_recursion():
    """Self-closed raw-text tags in an <svg> nest without deepening the stack: the Python feed
    recurses once per tag (RecursionError at the default limit); the C has no recursion and
    gives the value the recursion gives when allowed to go deep enough."""
    html = "<svg>" + "<script/>" * 3000 + "<b>x</b>" + "</script>" * 10
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        for limits in (DEFAULT, replace(DEFAULT, max_dom_nodes=2999), replace(DEFAULT, max_dom_nodes=3002)):
            assert compiled(html, limits) == python(html, limits)
    finally:
        sys.setrecursionlimit(old)
