"""Plain-text segmentation: one block per non-empty line, kinds guessed from line shape."""

from __future__ import annotations

from consumers.pipeline.model import BlockKind
from consumers.pipeline.text_blocks import line_kind, parse_text, split_text


def test_one_block_per_non_empty_line_with_whitespace_collapsed():
    blocks = split_text("First  line.\n\n   \nSecond\tline here.\r\n", max_blocks=100)
    assert [b.text for b in blocks] == ["First line.", "Second line here."]
    assert [b.index for b in blocks] == [0, 1]
    assert all(b.dom_path == "" and b.link_chars == 0 for b in blocks)


def test_max_blocks_caps_the_output():
    assert len(split_text("a.\n" * 50, max_blocks=10)) == 10


def test_line_kinds():
    assert line_kind("- a bullet point") is BlockKind.LIST_ITEM
    assert line_kind("2. second step") is BlockKind.LIST_ITEM
    assert line_kind("Iraq becomes a problem for the administration") is BlockKind.HEADING
    assert line_kind("A full sentence that ends with a period.") is BlockKind.PARAGRAPH
    assert line_kind("1234") is BlockKind.PARAGRAPH


def test_parse_text_reads_what_the_page_prints_of_its_metadata():
    blocks, meta = parse_text("Harbour bridge reopens\nBy Jane Doe\nMarch 3, 2024\nThe bridge reopened today.", 100)
    assert [b.text for b in blocks][-1] == "The bridge reopened today."
    assert meta.authors == ("Jane Doe",) and meta.published == "2024-03-03"
    assert meta.title is None  # plain text declares nothing
