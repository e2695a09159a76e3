"""Raw record bytes -> RawPage or Failed: JSON, contract checks, charsets, limits."""

from __future__ import annotations

import base64
import codecs

import orjson
import pytest

from consumers.pipeline.decode import decode_bytes, decode_record, load_json
from consumers.pipeline.model import BodyFormat, Failed, FailureKind, Limits, RawPage

LIMITS = Limits()
PAGE = "<html><head><meta charset='{meta}'></head><body><p>{text}</p></body></html>"


def raw(**fields: object) -> bytes:
    return orjson.dumps({"url": "https://a.example/x", **fields})


def decoded(data: bytes, declared: str | None = None, content_type: str | None = None) -> str | None:
    return decode_bytes(data, declared, content_type)


def test_html_record_becomes_page() -> None:
    page = decode_record(raw(html="<p>hi</p>", id=5, http_status=200, title="T", crawl={"depth": 1}), LIMITS)
    assert isinstance(page, RawPage)
    assert (page.body, page.body_format, page.record_id, page.http_status, page.title_hint, page.crawl) == (
        "<p>hi</p>", BodyFormat.HTML, "5", 200, "T", {"depth": 1})


@pytest.mark.parametrize("fields,fmt", [
    ({"text": "a\nb"}, BodyFormat.TEXT), ({"body": "a"}, BodyFormat.HTML),
    ({"body": "a", "content_type": "text/plain; charset=utf-8"}, BodyFormat.TEXT),
    ({"body": "a", "headers": {"content-type": ["text/html", "Text/Plain"]}}, BodyFormat.TEXT),
    ({"body_base64": base64.b64encode(b"plain").decode(), "content_type": "text/plain"}, BodyFormat.TEXT),
])
def test_body_format(fields: dict, fmt: BodyFormat) -> None:
    page = decode_record(raw(**fields), LIMITS)
    assert isinstance(page, RawPage) and page.body_format is fmt


@pytest.mark.parametrize("data,kind", [
    (b"", FailureKind.INVALID_JSON), (b"{", FailureKind.INVALID_JSON), (b'{"url": NaN}', FailureKind.INVALID_JSON),
    (b'{"url": "https://a.example/", "html": "\xff"}', FailureKind.INVALID_JSON),
    (b"[1]", FailureKind.SCHEMA_VIOLATION), (b'"s"', FailureKind.SCHEMA_VIOLATION),
    (b'{"html": "x"}', FailureKind.SCHEMA_VIOLATION),
])
def test_unreadable_records_fail_with_kind(data: bytes, kind: FailureKind) -> None:
    result = decode_record(data, LIMITS)
    assert isinstance(result, Failed) and result.kind is kind and result.message


def test_schema_violation_keeps_id_and_url_for_the_dead_letter() -> None:
    result = decode_record(raw(id="r9", html=3), LIMITS)
    assert isinstance(result, Failed)
    assert (result.kind, result.record_id, result.url) == (FailureKind.SCHEMA_VIOLATION, "r9", "https://a.example/x")
    assert "'html'" in result.message


def test_lone_surrogate_escapes_become_replacement_characters() -> None:
    data = b'{"url": "https://a.example/", "html": "<p>a\\ud800b\\udc00</p>", "title": "\\ud83d\\ude00"}'
    page = decode_record(data, LIMITS)
    assert isinstance(page, RawPage)
    assert page.body == "<p>a\ufffdb\ufffd</p>"
    assert page.title_hint == "\U0001f600"  # a valid pair stays one character
    orjson.dumps(page.body)  # nothing unencodable reaches the output


def test_deep_json_is_invalid_json_not_a_crash() -> None:
    result = load_json(b"[" * 200_000 + b"]" * 200_000)
    assert isinstance(result, Failed) and result.kind is FailureKind.INVALID_JSON


def test_size_limits() -> None:
    limits = Limits(max_record_bytes=1000, max_page_chars=100)
    over_record = decode_record(raw(html="x" * 2000), limits)
    assert isinstance(over_record, Failed) and over_record.kind is FailureKind.TOO_LARGE
    over_page = decode_record(raw(html="x" * 500), limits)
    assert isinstance(over_page, Failed) and over_page.kind is FailureKind.TOO_LARGE
    assert over_page.url == "https://a.example/x"
    assert isinstance(decode_record(raw(html="x" * 100), limits), RawPage)


def test_invalid_base64_is_undecodable() -> None:
    result = decode_record(raw(body_base64="not base64!"), LIMITS)
    assert isinstance(result, Failed) and result.kind is FailureKind.UNDECODABLE_BODY


# -- charsets ----------------------------------------------------------------------------------

def test_boms() -> None:
    text = PAGE.format(meta="utf-8", text="café")
    assert decoded(codecs.BOM_UTF8 + text.encode()) == text
    assert decoded(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text
    assert decoded(codecs.BOM_UTF16_BE + text.encode("utf-16-be")) == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(codec: str) -> None:
    text = PAGE.format(meta="utf-16", text="Le café du port")
    assert decoded(text.encode(codec)) == text


def test_valid_utf8_beats_a_lying_meta_and_header() -> None:
    text = PAGE.format(meta="windows-1251", text="Привет, café")
    assert decoded(text.encode("utf-8"), None, "text/html; charset=iso-8859-1") == text


def test_non_utf8_bytes_follow_declared_then_header_then_meta() -> None:
    text = PAGE.format(meta="koi8-r", text="Привет мир, как дела")
    assert decoded(text.encode("cp1251"), "windows-1251", "text/html; charset=koi8-r") == text
    assert decoded(text.encode("koi8-r"), None, "text/html; charset=koi8-r") == text
    assert decoded(text.encode("koi8-r")) == text  # from <meta>


def test_lying_utf8_meta_on_cp1252_bytes_falls_back_to_detection() -> None:
    text = PAGE.format(meta="utf-8", text="Le café était très fréquenté. " * 20)
    assert "café était très" in decoded(text.encode("cp1252"))


def test_escape_codecs_are_never_honoured() -> None:
    data = PAGE.format(meta="utf-7", text="+ADw-script+AD4-alert(1)+ADw-/script+AD4-").encode()
    for label in ("utf-7", "unicode_escape", "raw_unicode_escape"):
        text = decoded(data, label, f"text/html; charset={label}")
        assert "<script>" not in text and "+ADw-script" in text
    assert "\\ud800" in decoded(b"<p>\\ud800</p>", "unicode_escape")


def test_unknown_charset_label_is_ignored() -> None:
    assert decoded(b"<p>plain</p>", "x-no-such-charset", "text/html; charset=bogus") == "<p>plain</p>"


def test_binary_bytes_map_to_latin1_for_the_guards() -> None:
    data = b"%PDF-1.4\n\x00\x01\x02\xff binary"
    assert decoded(data, "utf-8") == data.decode("latin-1")


def test_record_identity_reports_only_well_typed_ids_and_a_bounded_url():
    from consumers.pipeline.decode import MAX_URL_CHARS, load_json, record_identity

    assert record_identity({"id": 7, "url": "https://x.example/a"}) == ("7", "https://x.example/a")
    assert record_identity({"id": ["no"], "url": "u" * (MAX_URL_CHARS + 5)}) == (None, "u" * MAX_URL_CHARS)
    assert record_identity(load_json(b'{"id": "a",')) == (None, None)  # unreadable JSON
    assert record_identity(load_json(b'[1, 2]')) == (None, None)


LENIENT = Limits(require_absolute_url=False)


@pytest.mark.parametrize("fields, url", [
    ({"url": "hard::news.example.org-story.html", "id": "0954"}, "hard::news.example.org-story.html"),
    ({"url": "", "id": "7"}, ""),
    ({"url": None, "id": 7}, ""),
    ({"id": "7"}, ""),
    ({"url": "news.example.org/x"}, "news.example.org/x"),  # no id: the url string still keys it
])
def test_without_require_absolute_url_a_record_needs_only_an_id_or_some_url(fields, url) -> None:
    page = decode_record(orjson.dumps({"html": "<p>hi</p>", **fields}), LENIENT)
    assert isinstance(page, RawPage) and page.url == url
    strict = decode_record(orjson.dumps({"html": "<p>hi</p>", **fields}), LIMITS)
    assert isinstance(strict, Failed) and strict.kind is FailureKind.SCHEMA_VIOLATION


@pytest.mark.parametrize("fields", [{}, {"url": ""}, {"url": "  "}, {"url": 5, "id": "7"}])
def test_without_require_absolute_url_a_record_still_needs_a_key(fields) -> None:
    result = decode_record(orjson.dumps({"html": "<p>hi</p>", **fields}), LENIENT)
    assert isinstance(result, Failed) and result.kind is FailureKind.SCHEMA_VIOLATION
