"""Block features: the fast forms compute exactly what the plain definitions say."""

import math
import re

from consumers.pipeline.features import (CONTEXT_NAMES, LOCAL_NAMES, NEIGHBOUR_NAMES, context_features,
                                         factor_by_first_letter,
                                         has_boiler_phrase, local_features, neighbour_features, page_shape,
                                         local_matrix, stage1_of_blocks, story_coherence, text_features,
                                         with_neighbours)
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.model import Block, BlockKind, Limits

_PAGE = """<html><head><title>Rain returns to the valley</title></head><body>
<nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article class="post-content"><h1>Rain returns to the valley</h1>
<p>After a dry summer, the first autumn storms brought rain to the valley on Tuesday, and farmers
said the reservoirs were filling faster than expected.</p>
<p>The water board said on 12/10/2025 that restrictions would stay in place until the end of the month,
but that the outlook had improved.</p>
<p>Read more: <a href="/x">Ten things to do in the rain</a></p></article>
<div class="share-buttons">Share this on <a href="#">Facebook</a> | <a href="#">Twitter</a></div>
<footer class="site-footer"><p>Copyright 2025 Valley News. All rights reserved.</p></footer>
</body></html>"""


def _blocks() -> list[Block]:
    blocks, _ = parse_html(_PAGE, Limits(), Deadline(5.0))
    return blocks


def test_factored_alternation_matches_the_same_strings():
    pattern = r"leave a (?:reply|comment)|log ?in\b|like us on|\u00a9|\bads?\b|cookie|comment policy|c[|(]x|l\|y|ya?z|q*w"
    plain, factored = re.compile(pattern), re.compile(factor_by_first_letter(pattern))
    assert factored.pattern != plain.pattern
    samples = ["leave a reply", "please log in", "login", "logins", "like us on x", "\u00a9 2025", "ads here",
               "bads", "cookies", "comment policy", "nothing here", "leave a note", "comment", "c|x", "c(x", "l|y", "y",
               "yz", "yaz", "w", "qqw"]
    assert [plain.search(s) is not None for s in samples] == [factored.search(s) is not None for s in samples]


def test_boiler_phrases_still_found():
    assert has_boiler_phrase("Leave a Reply")
    assert has_boiler_phrase("\u00a9 2025 Example")
    assert not has_boiler_phrase("The reservoirs were filling faster than expected.")


def test_multilingual_furniture_phrases():
    for text in ("Mehr zum Thema", "Lea tambi\u00e9n: Impiden ingreso a Nicaragua", "Golf im TV (Foto: Getty)",
                 "\u00c0 lire aussi", "Czytaj tak\u017ce", "Bild: Hersteller", "Related: ten storm tips"):
        assert has_boiler_phrase(text), text
    # an interview answer or a sentence about a photo is not a credit line
    for text in ("Felix Stalder: Zu wissen, mit wem Patienten Kontakt hatten, ist wichtig.",
                 "The photo shows the flooded valley."):
        assert not has_boiler_phrase(text), text


def test_affiliate_disclosures_are_furniture():
    for text in ("This post contains affiliate links.", "We may earn a commission when you buy through our links.",
                 "F\u00fcr Links auf dieser Seite erh\u00e4lt die Redaktion ggf. eine Provision vom H\u00e4ndler.",
                 "As an Amazon Associate I earn from qualifying purchases.", "Cet article contient des liens affili\u00e9s."):
        assert has_boiler_phrase(text), text
    # the English word, the German one outside a disclosure
    for text in ("The provisions of the act take effect in May.", "Die Provision des Maklers sinkt."):
        assert not has_boiler_phrase(text), text


def _column(rows, names, name):
    return [row[names.index(name)] for row in rows]


def test_page_relative_features_take_the_page_as_reference():
    prose = ("Die Regierung hat am Dienstag neue Regeln f\u00fcr den Datenschutz beschlossen, "
             "und die Opposition kritisiert den Entwurf als zu schwach.")
    blocks = [Block(text=t, kind=BlockKind.PARAGRAPH, index=i) for i, t in enumerate([prose, prose + " Mehr dazu.",
                                                                                    "Startseite"])]
    locals_ = [local_features(b, frozenset()) for b in blocks]
    rows = with_neighbours(locals_, page_shape(blocks, locals_))
    names = LOCAL_NAMES + NEIGHBOUR_NAMES
    caps = _column(rows, names, "caps_vs_page")
    assert abs(caps[0]) < 0.05 and caps[2] > 0.5  # prose like the page's prose; a one-word menu entry is not
    assert _column(rows, names, "stop_vs_page")[2] < -0.2


def test_repeated_structure_marks_cards_not_one_article():
    cards = "".join(f'<div class="card"><h3>Teaser {i}</h3><p>Short summary of story {i}.</p></div>' for i in range(6))
    article = "<article>" + "".join(f"<p>Paragraph {i} of the story.</p>" for i in range(6)) + "</article>"
    blocks, _ = parse_html(f"<body>{article}{cards}</body>", Limits(), Deadline(5.0))
    locals_ = [local_features(b, frozenset()) for b in blocks]
    repeated = _column(with_neighbours(locals_, page_shape(blocks, locals_)), LOCAL_NAMES + NEIGHBOUR_NAMES,
                       "repeated_structure")
    assert all(r == 0.0 for b, r in zip(blocks, repeated) if "of the story" in b.text)
    assert all(r > 0.5 for b, r in zip(blocks, repeated) if "Teaser" in b.text or "summary" in b.text)


def test_comment_hint_counts_only_after_uncommented_story_text():
    article = "<article>" + "<p>" + "The council met on Tuesday and agreed the new budget. " * 25 + "</p></article>"
    comments = '<div id="comments"><p>Great article, thanks for writing it.</p></div>'
    forum = '<div class="comment-thread"><p>First post of the thread.</p></div>'
    for html, expected in ((article + comments, 1.0), (forum, 0.0)):
        blocks, _ = parse_html(f"<body>{html}</body>", Limits(), Deadline(5.0))
        locals_ = [local_features(b, frozenset()) for b in blocks]
        x1 = with_neighbours(locals_, page_shape(blocks, locals_))
        ctx = context_features(blocks, [0.9] * len(blocks), x1)
        assert _column(ctx, CONTEXT_NAMES, "comment_after_story")[-1] == expected


def test_local_features_have_one_value_per_name():
    blocks = _blocks()
    rows = [local_features(b, frozenset({"rain", "returns", "to", "the", "valley"})) for b in blocks]
    assert all(len(row) == len(LOCAL_NAMES) for row in rows)
    heading = next(i for i, b in enumerate(blocks) if b.kind is BlockKind.HEADING)
    assert rows[heading][LOCAL_NAMES.index("is_title")] == 1.0
    date = next(i for i, b in enumerate(blocks) if "12/10/2025" in b.text)
    assert rows[date][LOCAL_NAMES.index("date_like")] == 0.0  # over 120 characters: not read
    footer = next(i for i, b in enumerate(blocks) if "Copyright" in b.text)
    assert rows[footer][LOCAL_NAMES.index("boiler_phrase")] == 1.0


def test_with_neighbours_equals_neighbour_features_per_block():
    blocks = _blocks()
    locals_ = [local_features(b, frozenset()) for b in blocks]
    shapes = page_shape(blocks, locals_)
    rows = with_neighbours(locals_, shapes)
    assert rows == [loc + neighbour_features(locals_, i, shapes[i]) for i, loc in enumerate(locals_)]
    assert all(len(row) == len(LOCAL_NAMES) + len(NEIGHBOUR_NAMES) for row in rows)


def test_story_coherence_counts_shared_story_words():
    blocks = [Block(text=t, kind=BlockKind.PARAGRAPH, index=i) for i, t in enumerate([
        "reservoirs filling quickly after storms", "reservoirs storms farmers", "storms reservoirs",
        "celebrity gossip today"])]
    p = [0.9, 0.8, 0.2, 0.1]
    coherence = story_coherence(blocks, p)
    assert coherence[2] == 1.0   # both words carried by story blocks (weight > 0.5)
    assert coherence[3] == 0.0
    assert coherence[1] == 2 / 3  # a story block's words need weight above 0.5 + its own score


def test_context_features_rows_are_complete():
    blocks = _blocks()
    locals_ = [local_features(b, frozenset()) for b in blocks]
    x1 = with_neighbours(locals_, page_shape(blocks, locals_))
    ctx = context_features(blocks, [0.9 if len(b.text) > 80 else 0.1 for b in blocks], x1)
    assert len(ctx) == len(blocks)
    assert len({len(row) for row in ctx}) == 1


def test_stage1_matrix_of_blocks_equals_the_python_rows():
    title = frozenset({"rain", "returns", "to", "the", "valley"})
    text_blocks = [Block(text=t, kind=BlockKind.PARAGRAPH, index=i) for i, t in enumerate(
        ["Startseite", "Rain returns to the valley", "After a dry summer, the first storms brought rain, and "
         "farmers said the reservoirs were filling faster than expected this year.", "Startseite"])]
    for blocks in (_blocks(), text_blocks):
        for words in (title, frozenset()):
            locals_ = [local_features(b, words) for b in blocks]
            rows = with_neighbours(locals_, page_shape(blocks, locals_))
            matrix = stage1_of_blocks(blocks, words)
            assert local_matrix(blocks, words).tolist() == locals_
            assert matrix.tolist() == rows


def test_text_features_saturate_and_flag_as_defined():
    head, tail, short_flag, stop_x_long = text_features("a, b, c, " * 10)
    names = LOCAL_NAMES[LOCAL_NAMES.index("ends_punct"):LOCAL_NAMES.index("has_dom")]
    values = dict(zip(names, tail))
    assert values["comma_rate"] == 1.0 and values["pipe_sep"] == 0.0 and values["short_lt4"] == 0.0
    assert stop_x_long == head[2] and 0.0 < head[2] <= 1.0  # 30 words, some of them stopwords
    _, tail, short_flag, stop_x_long = text_features("Pneumonoultramicroscopicsilicovolcanoconiosis")
    values = dict(zip(names, tail))
    assert values["avg_word_len"] == 2.0 and values["short_lt4"] == 1.0 and short_flag == 1.0 and stop_x_long == 0.0
    values = dict(zip(names, text_features("Published 12/10/2025 | Home | News")[1]))
    assert values["date_like"] == 1.0 and values["pipe_sep"] == 1.0 and values["digit_share"] > 0.0
    values = dict(zip(names, text_features("\u5929\u6c14\u5f88\u597d\u3002\u6211\u4eec\u53bb\u516c\u56ed\u4e86\u3002")[1]))
    assert values["cjk_share"] > 0.3 and values["sentences_log"] > 0.0 and values["ends_punct"] == 1.0
    head, _, short_flag, stop_x_long = text_features("")
    assert head == (0.0, math.log1p(1.0) / 5.0, 0.0, 0.0) and short_flag == 1.0 and stop_x_long == 0.0


def _random_page(rng, n: int) -> tuple[list[Block], list[float]]:
    """Blocks under a random element tree (shared parents, some without any element), random
    hints and scores with ties (repeated values, exact 0.5)."""
    paths = [()]
    serial = 0
    for _ in range(12):
        serial += 1
        paths.append(rng.choice(paths) + (serial,))
    hint_sets = [frozenset(), frozenset({"content"}), frozenset({"comment"}), frozenset({"nav", "footer"}),
                 frozenset({"content", "comment", "share"})]
    words = ["a", "Short line", "A longer paragraph of story text. " * 4, "x" * 1200, "Menu"]
    blocks = [Block(text=rng.choice(words), kind=rng.choice(list(BlockKind)), index=i, dom_path="body/div",
                    hints=rng.choice(hint_sets), containers=rng.choice(paths)) for i in range(n)]
    p = [rng.choice([0.0, 0.2, 0.5, 0.71, 0.9, 1.0, rng.random()]) for _ in range(n)]
    return blocks, p


def _distance_reference(strong: list[int], n: int) -> tuple[list[float], list[float]]:
    """Blocks since the previous / until the next strong block, log-scaled (the plain loops)."""
    since, until = [1.0] * n, [1.0] * n
    for i in range(n):
        before = [s for s in strong if s < i]
        after = [s for s in strong if s > i]
        if before:
            since[i] = min(1.0, math.log1p(i - before[-1]) / 4.0)
        if after:
            until[i] = min(1.0, math.log1p(after[0] - i) / 4.0)
    return since, until


def test_the_numpy_context_helpers_equal_the_python_definitions():
    import random

    import numpy as np

    from consumers.pipeline import features

    rng = random.Random(7)
    for n in [1, 2, 3, 5, 20, 60] * 20:
        blocks, p = _random_page(rng, n)
        lengths = [len(b.text) for b in blocks]
        layout = features._Layout([b.containers for b in blocks])
        pa, length = np.array(p), np.array(lengths)
        capped = np.minimum(length, 1000)
        assert layout.densest_container(pa, capped, capped * (2 * pa - 1)) == features.densest_container(blocks, p, lengths)
        assert layout.story_parent(pa, length) == features.story_parent(blocks, p, lengths)
        assert layout.container_means(pa, length).tolist() == features._container_means(blocks, p, lengths)
        for element in {c for b in blocks for c in b.containers}:
            assert layout.holding(element).tolist() == [element in b.containers for b in blocks]
            assert layout.ends_with(element).tolist() == [b.containers[-1:] == (element,) for b in blocks]
        strong = [i for i in range(n) if p[i] > 0.7 and lengths[i] > 80]
        since, until = features._distance_columns(np.array(strong, dtype=np.intp), n)
        assert (since.tolist(), until.tolist()) == _distance_reference(strong, n)
        hint_sets = list(dict.fromkeys(b.hints for b in blocks))
        story = [sum(li for b, pi, li in zip(blocks, p, lengths) if pi >= 0.5 and b.hints == h) for h in hint_sets]
        assert features._story_hints_of(hint_sets, np.array(story, dtype=np.float64)) == \
            features._story_hints(blocks, p, lengths)
