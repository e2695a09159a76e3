"""Content streamed by React's server renderer ("Suspense" boundaries), put back where a browser
shows it.

A streamed page sends each suspended part twice: a placeholder where it belongs
(`<template id="B:0"></template>` then a fallback such as "Loading..."), and later, at the end of
the body, the real content in `<div hidden id="S:0">`. An inline script (`$RC("B:0","S:0")`)
moves the content into place and shows it. Crawlers store the page before any script runs, so
without this step the article of a streamed page is a hidden element and is skipped. The ids
follow React's own convention (`B:`/`P:` slots, `S:` segments, hexadecimal numbers), the same on
every site built with it.
"""

from __future__ import annotations

import re

_SEGMENT_SELECTOR = 'div[hidden][id^="S:"]'
_SEGMENT_ID = re.compile(r"S:[0-9a-f]+")
# $RC(boundary, segment) and $RR(boundary, segment, styles) complete a Suspense boundary;
# $RS(segment, placeholder) fills a placeholder inside a streamed segment.
_COMPLETE_CALL = re.compile(r'\$R[CR]\("([BP]:[0-9a-f]+)","(S:[0-9a-f]+)"')
_SEGMENT_CALL = re.compile(r'\$RS\("(S:[0-9a-f]+)","([BP]:[0-9a-f]+)"')


def slots_named_by_scripts(html: str) -> dict[str, str]:
    """Segment id -> slot id, from the page's inline completion calls."""
    if "$R" not in html:
        return {}
    slots = {segment: slot for slot, segment in _COMPLETE_CALL.findall(html)}
    slots.update(_SEGMENT_CALL.findall(html))
    return slots


def reveal_streamed_segments(tree, html: str) -> int:
    """Move each hidden streamed segment to its slot and make it visible; returns how many.

    The slot is the one the page's script names, else the boundary with the segment's number
    (React numbers a boundary and its segment alike; crawlers that drop scripts lose the call).
    A segment without a slot in the page is shown where it is."""
    segments = [node for node in tree.css(_SEGMENT_SELECTOR)
                if _SEGMENT_ID.fullmatch(node.attributes.get("id") or "")]
    if not segments:
        return 0
    slots = slots_named_by_scripts(html)
    # One pass over the templates rather than a query per segment (a page may hold thousands).
    templates = {}
    for node in tree.css("template[id]"):
        templates.setdefault(node.attributes.get("id"), node)  # the first, as css_first finds
    for segment in segments:
        segment_id = segment.attributes["id"]
        slot = templates.get(slots.get(segment_id, "B:" + segment_id[2:]))
        if slot is not None:
            slot.insert_before(segment)  # lexbor inserts a copy
            moved = slot.prev
            segment.decompose()
            segment = moved
            # boundaries nested in the segment now live in the copy
            templates.update((node.attributes.get("id"), node) for node in moved.css("template[id]"))
        del segment.attrs["hidden"]
    return len(segments)
