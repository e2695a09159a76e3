"""Distinct, realistic raw pages for the real-Kafka tests (written for these tests)."""

from __future__ import annotations

import orjson

_PLACES = ("Ashford", "Brookvale", "Carrow", "Dunmere", "Eastleigh", "Fenwick", "Glenford", "Harlow")
_SUBJECTS = ("the new cycle lanes", "the library extension", "the water main repairs", "the school bus contract",
             "the market hall roof", "the flood defences", "the park lighting", "the recycling centre")


def article_url(run: str, index: int) -> str:
    return f"https://news.example.com/{run}/local/story-{index}"


def story_sentence(index: int) -> str:
    """A sentence found only in page `index`: tests look for it in the clean text."""
    return (f"Councillors in {_PLACES[index % len(_PLACES)]} approved {_SUBJECTS[index % len(_SUBJECTS)]} "
            f"at meeting number {index}, after a debate that lasted well into the evening.")


def article_page(run: str, index: int) -> bytes:
    place, subject = _PLACES[index % len(_PLACES)], _SUBJECTS[index % len(_SUBJECTS)]
    paragraphs = [
        story_sentence(index),
        f"Residents had asked for {subject} for several years, and a petition signed by more than "
        f"{300 + index} people was handed to the town hall last spring.",
        f"Officials said work in {place} would start after the winter and should take about four months, "
        "although they warned that the weather could delay the final stage.",
        "Local businesses said they supported the plan but asked the council to keep the main road open "
        "during the busiest weeks of the year, when most of their customers arrive by car.",
    ]
    html = (
        f"<html><head><title>{place} approves {subject}</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/local'>Local</a> <a href='/sport'>Sport</a> "
        "<a href='/weather'>Weather</a> <a href='/subscribe'>Subscribe</a></nav></header>"
        f"<article><h1>{place} approves {subject}</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article><aside><h3>Most read</h3><ul><li><a href='/a'>Road closed after crash</a></li>"
        "<li><a href='/b'>Bakery wins award</a></li></ul></aside>"
        "<footer><a href='/privacy'>Privacy</a> | <a href='/terms'>Terms</a> | Copyright 2026</footer>"
        "</body></html>"
    )
    return orjson.dumps({"schema_version": 1, "id": f"{run}-{index}", "url": article_url(run, index), "html": html})
