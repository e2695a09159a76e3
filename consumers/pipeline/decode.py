"""Raw record bytes -> `RawPage`, or a `Failed` value saying why it cannot be read.

A raw record is a JSON object (see schemas/raw-page.schema.json). The body arrives as one of
`html`, `text` (already text) or `body_base64` (original bytes, with an optional declared
`encoding`); charset comes from a BOM, the declared encoding, the HTTP Content-Type header,
a `<meta charset>`, then detection.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

import orjson

from .model import BodyFormat, Failed, FailureKind, Limits, RawPage

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_record(raw: bytes, limits: Limits) -> RawPage | Failed:
    if len(raw) > limits.max_record_bytes:
        return Failed(FailureKind.TOO_LARGE, f"record is {len(raw)} bytes, limit {limits.max_record_bytes}")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Failed(FailureKind.INVALID_JSON, str(exc)[:200])
    if not isinstance(obj, dict):
        return Failed(FailureKind.SCHEMA_VIOLATION, f"record is a JSON {type(obj).__name__}, not an object")
    return page_from_object(obj, limits)


def page_from_object(obj: dict, limits: Limits) -> RawPage | Failed:
    record_id = obj.get("id")
    record_id = str(record_id) if isinstance(record_id, (str, int)) and not isinstance(record_id, bool) else None
    url = obj.get("url")
    if not isinstance(url, str) or not url.strip():
        return Failed(FailureKind.SCHEMA_VIOLATION, "missing or non-string 'url'", record_id)
    body_or_failure = _body(obj)
    if isinstance(body_or_failure, Failed):
        return Failed(body_or_failure.kind, body_or_failure.message, record_id, url)
    body, body_format = body_or_failure
    if len(body) > limits.max_page_chars:
        return Failed(FailureKind.TOO_LARGE, f"page is {len(body)} chars, limit {limits.max_page_chars}", record_id, url)
    status = obj.get("http_status", obj.get("status"))
    return RawPage(
        url=url.strip(),
        body=body,
        body_format=body_format,
        record_id=record_id,
        fetched_at=obj.get("fetched_at") if isinstance(obj.get("fetched_at"), str) else None,
        http_status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        content_type=_content_type(obj),
        crawl=obj.get("crawl") if isinstance(obj.get("crawl"), dict) else {},
    )


def _content_type(obj: dict) -> str | None:
    value = obj.get("content_type")
    if isinstance(value, str):
        return value
    headers = obj.get("headers")
    if isinstance(headers, dict):
        for key, val in headers.items():
            if isinstance(key, str) and key.lower() == "content-type" and isinstance(val, str):
                return val
    return None


def _body(obj: dict) -> tuple[str, BodyFormat] | Failed:
    if "html" in obj:
        return _text_field(obj["html"], "html", BodyFormat.HTML)
    if "text" in obj:
        return _text_field(obj["text"], "text", BodyFormat.TEXT)
    if "body" in obj:
        fmt = BodyFormat.TEXT if "text/plain" in (_content_type(obj) or "") else BodyFormat.HTML
        return _text_field(obj["body"], "body", fmt)
    if "body_base64" in obj:
        encoded = obj["body_base64"]
        if not isinstance(encoded, str):
            return Failed(FailureKind.SCHEMA_VIOLATION, "'body_base64' is not a string")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            return Failed(FailureKind.UNDECODABLE_BODY, f"invalid base64: {exc}")
        declared = obj.get("encoding") if isinstance(obj.get("encoding"), str) else None
        text = decode_bytes(data, declared, _content_type(obj))
        if text is None:
            return Failed(FailureKind.UNDECODABLE_BODY, "body bytes are not text in any known charset")
        fmt = BodyFormat.TEXT if "text/plain" in (_content_type(obj) or "") else BodyFormat.HTML
        return text, fmt
    return Failed(FailureKind.SCHEMA_VIOLATION, "no body: expected one of html, text, body, body_base64")


def _text_field(value: object, name: str, fmt: BodyFormat) -> tuple[str, BodyFormat] | Failed:
    if not isinstance(value, str):
        return Failed(FailureKind.SCHEMA_VIOLATION, f"'{name}' is a {type(value).__name__}, not a string")
    return value, fmt


def decode_bytes(data: bytes, declared: str | None, content_type: str | None) -> str | None:
    """Decode page bytes to text by BOM, declared charset, header, meta tag, then UTF-8/detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _try(data, encoding)
    candidates = [declared]
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        candidates.append(m.group(1))
    if m := _META_CHARSET.search(data[:4096]):
        candidates.append(m.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for candidate in candidates:
        if candidate and (text := _try(data, candidate)) is not None:
            return text
    return _detect(data)


def _try(data: bytes, encoding: str) -> str | None:
    try:
        codecs.lookup(encoding)
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError, ValueError):
        return None


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None
    return _try(data, best.encoding)
