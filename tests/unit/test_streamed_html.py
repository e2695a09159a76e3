"""React streamed segments: moved to their slot and shown, as a browser running the page's
completion script would; other hidden elements stay hidden."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from consumers.pipeline.deadline import Deadline
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Limits
from consumers.pipeline.streamed_html import reveal_streamed_segments, slots_named_by_scripts

STREAMED = (
    '<body><main><h1>Title</h1><template id="B:0"></template><div>Loading...</div>'
    '<p>After the boundary</p></main><footer><p>Footer links</p></footer>'
    '<div hidden id="S:0"><p>The streamed story paragraph.</p></div>{script}</body>'
)


def texts(html: str) -> list[str]:
    return [b.text for b in parse_html(html, Limits(), Deadline.unlimited())[0]]


def test_a_segment_moves_to_the_boundary_of_its_number_without_scripts():
    assert texts(STREAMED.format(script="")) == [
        "Title", "The streamed story paragraph.", "Loading...", "After the boundary", "Footer links"]


def test_the_completion_call_names_the_slot_when_numbers_differ():
    html = STREAMED.replace('id="B:0"', 'id="B:3"').format(script='<script>$RC("B:3","S:0")</script>')
    assert texts(html)[:2] == ["Title", "The streamed story paragraph."]


def test_a_segment_without_a_slot_is_shown_where_it_is():
    html = STREAMED.replace('<template id="B:0"></template>', "").format(script="")
    assert texts(html)[-1] == "The streamed story paragraph."


def test_other_hidden_elements_stay_hidden_where_they_are():
    html = '<body><template id="B:0"></template><p>Shown</p><div hidden id="S:x"><p>Not a segment id</p></div>' \
           '<div hidden id="answer-1"><p>Hidden text</p></div></body>'
    blocks = parse_html(html, Limits(), Deadline.unlimited())[0]
    assert [b.text for b in blocks] == ["Shown", "Not a segment id", "Hidden text"]
    assert ["hidden" in b.hints for b in blocks] == [False, True, True]


def test_scripts_pair_segments_with_boundaries_and_placeholders():
    html = '<script>$RC("B:1","S:2");$RR("B:4","S:5",[]);$RS("S:7","P:3")</script>'
    assert slots_named_by_scripts(html) == {"S:2": "B:1", "S:5": "B:4", "S:7": "P:3"}


def test_reveal_counts_the_segments_it_handles():
    html = STREAMED.format(script="")
    tree = LexborHTMLParser(html)
    assert reveal_streamed_segments(tree, html) == 1
    assert tree.css_first("[hidden]") is None


def test_a_boundary_inside_a_streamed_segment_is_filled_in_its_moved_copy():
    html = ('<body><main><template id="B:0"></template><p>Loading...</p></main>'
            '<div hidden id="S:0"><p>Outer part.</p><template id="B:1"></template><p>Loading inner...</p></div>'
            '<div hidden id="S:1"><p>Inner part.</p></div></body>')
    assert texts(html) == ["Outer part.", "Inner part.", "Loading inner...", "Loading..."]
