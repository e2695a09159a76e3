"""`storysift clean` on records whose url is not an absolute URL: processed and keyed by their id
by default (files of pages from datasets), dead letters with --strict-urls (the stream's contract)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

STORY = ("The harbour bridge reopened on Monday after two years of repairs, the city said, and traffic "
         "was flowing freely by noon. ") * 4


def clean(tmp_path: Path, *flags: str) -> list[dict]:
    source = tmp_path / "pages.jsonl"
    rows = [{"id": "0954", "url": "hard::news.example.org-story.html", "html": f"<p>{STORY}</p>"},
            {"id": "0955", "url": "", "text": STORY},
            {"id": "0956", "url": "https://news.example.org/a", "html": f"<p>{STORY}</p>"}]
    source.write_bytes(b"\n".join(orjson.dumps(row) for row in rows) + b"\n")
    proc = subprocess.run([sys.executable, "-m", "consumers.cli", "clean", str(source), "--quiet", *flags],
                          capture_output=True, timeout=300, check=True)
    return [orjson.loads(line) for line in proc.stdout.splitlines()]


def test_clean_keys_pages_without_an_absolute_url_by_their_id(tmp_path: Path) -> None:
    outs = clean(tmp_path)
    assert [o["kind"] for o in outs] == ["article"] * 3
    assert [o["id"] for o in outs] == ["0954", "0955", "0956"]
    assert outs[0]["url"] == "hard::news.example.org-story.html" and outs[1]["url"] == ""
    assert len({o["article_id"] for o in outs}) == 3


def test_clean_with_strict_urls_dead_letters_them_as_the_stream_does(tmp_path: Path) -> None:
    outs = clean(tmp_path, "--strict-urls")
    assert [(o["kind"], o.get("error_kind")) for o in outs] == [
        ("dead_letter", "schema_violation"), ("dead_letter", "schema_violation"), ("article", None)]
