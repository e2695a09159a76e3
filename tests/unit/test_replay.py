"""Replay: files become raw-page records keyed by the URL-derived article id."""

from __future__ import annotations

import gzip
import io

import orjson
import pytest

from consumers.pipeline.decode import schema_violation
from consumers.pipeline.ids import article_id
from consumers.replay import ProgressBar, ReplayResult, count_records, key_for, kind_of, records_in, wrap_file


def test_html_file_uses_its_canonical_url(tmp_path):
    page = tmp_path / "story.html"
    page.write_text('<html><head><link rel="canonical" href="https://news.example.org/a/1"></head>'
                    "<body><p>Hello</p></body></html>", encoding="utf-8")
    record = orjson.loads(wrap_file(page))
    assert record["url"] == "https://news.example.org/a/1"
    assert record["html"].startswith("<html>")
    assert schema_violation(record) is None


def test_text_file_without_url_gets_base_url_or_file_uri(tmp_path):
    page = tmp_path / "note.txt"
    page.write_text("A plain text page.\n\nSecond paragraph.", encoding="utf-8")
    assert orjson.loads(wrap_file(page, "https://example.org/pages/"))["url"] == "https://example.org/pages/note.txt"
    record = orjson.loads(wrap_file(page))
    assert record["url"].startswith("file:///") and record["text"].startswith("A plain")
    assert schema_violation(record) is None


def test_non_utf8_bytes_are_sent_as_base64(tmp_path):
    page = tmp_path / "latin.html"
    page.write_bytes("<p>Café crème</p>".encode("latin-1"))
    record = orjson.loads(wrap_file(page))
    assert "body_base64" in record and "html" not in record
    assert schema_violation(record) is None


def test_jsonl_lines_pass_through_unchanged_and_gz_is_read(tmp_path):
    lines = [b'{"url": "https://example.org/x", "text": "hi"}', b"not json at all"]
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n\n"))
    assert list(records_in([path])) == lines
    assert count_records([path]) == 2


def test_key_is_the_article_id_of_the_url():
    assert key_for(b'{"url": "https://Example.org/x?utm_source=a"}') == article_id("https://example.org/x").encode()
    assert key_for(b"not json") is None
    assert key_for(b'{"no": "url"}') is None


def test_unsupported_files_are_refused(tmp_path):
    with pytest.raises(ValueError):
        kind_of(tmp_path / "image.png")


def test_progress_bar_without_a_terminal_prints_a_line_per_tenth_and_the_first():
    out = io.StringIO()
    bar = ProgressBar(total=20, stream=out)
    result = ReplayResult()
    for _ in range(20):
        result.delivered += 1
        bar.update(result)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("replay [") and "20/20 acked" in lines[-1]
