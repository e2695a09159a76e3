"""Raw record bytes -> `RawPage`, or a `Failed` value saying why it cannot be read.

A raw record is a JSON object described by schemas/raw-page.schema.json; the checks here mirror
that schema exactly (tests hold them to it), so a record valid against the schema is never
dead-lettered as a schema violation and an invalid one always is.

The body arrives as exactly one of `html`, `text`, `body` (already text) or `body_base64`
(original bytes, with an optional declared `encoding`). Bytes are decoded by BOM, UTF-16
without BOM, valid UTF-8, the declared encoding, the HTTP Content-Type charset, `<meta charset>`,
then detection; recognisable binary data (PDF, images, archives...) is mapped byte-for-byte
to text (latin-1) so the pre-parse guards can name it and reject it as `not_html`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re

import orjson

from .guards import looks_binary
from .model import BodyFormat, Failed, FailureKind, Limits, RawPage

SUPPORTED_RAW_SCHEMA_VERSIONS = (1,)
BODY_FIELDS = ("html", "text", "body", "body_base64")
MAX_URL_CHARS = 8192
MAX_ID_CHARS = 512
URL_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S")

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Optional string fields of the raw-page schema (null allowed), with their maximum length.
_OPTIONAL_STRINGS = {"fetched_at": 64, "content_type": 1024, "encoding": 64, "title": 4096}


def decode_record(raw: bytes, limits: Limits) -> RawPage | Failed:
    if len(raw) > limits.max_record_bytes:
        return Failed(FailureKind.TOO_LARGE, f"record is {len(raw)} bytes, limit {limits.max_record_bytes}")
    obj = load_json(raw)
    if isinstance(obj, Failed):
        return obj
    if not isinstance(obj, dict):
        return Failed(FailureKind.SCHEMA_VIOLATION, f"record is a JSON {_json_type(obj)}, not an object")
    return page_from_object(obj, limits)


def load_json(raw: bytes) -> object | Failed:
    """orjson first; the stdlib only as a fallback for lone surrogate escapes (valid JSON
    grammar, invalid Unicode), which are replaced by U+FFFD rather than losing the page."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        first_error = str(exc)[:200]
    try:
        obj = json.loads(raw, parse_constant=_reject_constant)
        return _scrub_surrogates(obj)
    except (ValueError, RecursionError):
        return Failed(FailureKind.INVALID_JSON, first_error)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _scrub_surrogates(value: object) -> object:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub_surrogates(k): _scrub_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_surrogates(v) for v in value]
    return value


def record_identity(obj: object) -> tuple[str | None, str | None]:
    """The id and url a rejection or dead letter reports for a raw record (parsed JSON, or
    anything else for an unreadable one): only what is well-typed, the url bounded."""
    if not isinstance(obj, dict):
        return None, None
    url = obj.get("url")
    return _record_id(obj.get("id")), url[:MAX_URL_CHARS] if isinstance(url, str) else None


def page_from_object(obj: dict, limits: Limits) -> RawPage | Failed:
    record_id, url = record_identity(obj)
    violation = schema_violation(obj, limits.require_absolute_url)
    if violation is not None:
        return Failed(FailureKind.SCHEMA_VIOLATION, violation, record_id, url)
    url = url or ""  # only without require_absolute_url: a record keyed by its id
    body_or_failure = _body(obj)
    if isinstance(body_or_failure, Failed):
        return Failed(body_or_failure.kind, body_or_failure.message, record_id, url)
    body, body_format = body_or_failure
    if len(body) > limits.max_page_chars:
        return Failed(FailureKind.TOO_LARGE, f"page is {len(body)} chars, limit {limits.max_page_chars}",
                      record_id, url)
    return RawPage(
        url=url,
        body=body,
        body_format=body_format,
        record_id=record_id,
        fetched_at=obj.get("fetched_at"),
        http_status=int(obj["http_status"]) if obj.get("http_status") is not None else None,
        content_type=_content_type(obj),
        title_hint=obj.get("title"),
        crawl=obj.get("crawl") or {},
    )


def schema_violation(obj: dict, require_absolute_url: bool = True) -> str | None:
    """The first way `obj` breaks raw-page.schema.json, or None when it conforms. Without
    `require_absolute_url` the url may be missing, empty or any string when the record has an id."""
    version = obj.get("schema_version")
    if "schema_version" in obj and (not _is_int(version) or version not in SUPPORTED_RAW_SCHEMA_VERSIONS):
        return f"unsupported schema_version {str(version)[:20]!r}, expected one of {SUPPORTED_RAW_SCHEMA_VERSIONS}"
    if (problem := _url_violation(obj.get("url"), obj.get("id"), require_absolute_url)) is not None:
        return problem
    record_id = obj.get("id")
    if record_id is not None and not (_is_int(record_id) or isinstance(record_id, str)):
        return f"'id' is a JSON {_json_type(record_id)}, not a string or integer"
    if isinstance(record_id, str) and not 1 <= len(record_id) <= MAX_ID_CHARS:
        return f"'id' must be 1 to {MAX_ID_CHARS} chars"
    for name, max_chars in _OPTIONAL_STRINGS.items():
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return f"'{name}' is a JSON {_json_type(value)}, not a string"
        if isinstance(value, str) and len(value) > max_chars:
            return f"'{name}' is {len(value)} chars, limit {max_chars}"
    status = obj.get("http_status")
    if status is not None and not (_is_int(status) and 100 <= status <= 599):
        return f"'http_status' must be an integer from 100 to 599, got {str(status)[:20]!r}"
    if (problem := _headers_violation(obj.get("headers"))) is not None:
        return problem
    crawl = obj.get("crawl")
    if crawl is not None and not isinstance(crawl, dict):
        return f"'crawl' is a JSON {_json_type(crawl)}, not an object"
    present = [name for name in BODY_FIELDS if name in obj]
    if len(present) != 1:
        return f"expected exactly one body field of {', '.join(BODY_FIELDS)}; got {len(present)}"
    if not isinstance(obj[present[0]], str):
        return f"'{present[0]}' is a JSON {_json_type(obj[present[0]])}, not a string"
    return None


def _url_violation(url: object, record_id: object, require_absolute: bool) -> str | None:
    if url is None and not require_absolute:
        return None if record_id is not None else "a record without a url needs an id"
    if not isinstance(url, str):
        return "'url' is missing or not a string" if url is None else f"'url' is a JSON {_json_type(url)}, not a string"
    if len(url) > MAX_URL_CHARS:
        return f"'url' is {len(url)} chars, limit {MAX_URL_CHARS}"
    if URL_PATTERN.search(url):
        return None
    if require_absolute:
        return "'url' is not an absolute URL (scheme://...)"
    return None if url.strip() or record_id is not None else "a record without a url needs an id"


def _headers_violation(headers: object) -> str | None:
    if headers is None:
        return None
    if not isinstance(headers, dict):
        return f"'headers' is a JSON {_json_type(headers)}, not an object"
    for key, value in headers.items():
        if isinstance(value, str):
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            continue
        return f"header {str(key)[:40]!r} is not a string or a list of strings"
    return None


def _record_id(value: object) -> str | None:
    if _is_int(value):
        return str(int(value))
    if isinstance(value, str) and 1 <= len(value) <= MAX_ID_CHARS:
        return value
    return None


def _is_int(value: object) -> bool:
    """JSON Schema's "integer": any number with a zero fraction (1.0 too), never a boolean."""
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _content_type(obj: dict) -> str | None:
    value = obj.get("content_type")
    if isinstance(value, str):
        return value
    headers = obj.get("headers")
    if isinstance(headers, dict):
        for key, val in headers.items():
            if isinstance(key, str) and key.lower() == "content-type":
                if isinstance(val, list):
                    val = val[-1] if val else None
                if isinstance(val, str):
                    return val
    return None


def _body_format(obj: dict) -> BodyFormat:
    return BodyFormat.TEXT if "text/plain" in (_content_type(obj) or "").lower() else BodyFormat.HTML


def _body(obj: dict) -> tuple[str, BodyFormat] | Failed:
    if "html" in obj:
        return obj["html"], BodyFormat.HTML
    if "text" in obj:
        return obj["text"], BodyFormat.TEXT
    if "body" in obj:
        return obj["body"], _body_format(obj)
    try:
        data = base64.b64decode(obj["body_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        return Failed(FailureKind.UNDECODABLE_BODY, f"invalid base64: {exc}")
    text = decode_bytes(data, obj.get("encoding"), _content_type(obj))
    if text is None:
        return Failed(FailureKind.UNDECODABLE_BODY, "body bytes are not text in any known charset")
    return text, _body_format(obj)


def decode_bytes(data: bytes, declared: str | None, content_type: str | None) -> str | None:
    """Decode page bytes to text; see the module docstring for the order and why."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _try(data, encoding)
    if (utf16 := _utf16_without_bom(data)) is not None:
        return utf16
    if looks_binary(data[:8192].decode("latin-1")):
        return data.decode("latin-1")
    # Valid UTF-8 beats any label: a multi-byte UTF-8 sequence is almost never legacy text by
    # chance, while lying labels (header or <meta>) are common.
    if (text := _try(data, "utf-8")) is not None:
        return text
    candidates = [declared]
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        candidates.append(m.group(1))
    if m := _META_CHARSET.search(data[:4096]):
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for candidate in candidates:
        if candidate and _is_ascii_compatible(candidate) and (text := _try(data, candidate)) is not None:
            return text
    return _detect(data)


def _utf16_without_bom(data: bytes) -> str | None:
    """ASCII-heavy UTF-16 has a NUL in every other byte; decode it when the pattern is clear."""
    sample = data[:4096]
    if len(sample) < 16:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return _try(data, "utf-16-be")
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return _try(data, "utf-16-le")
    return None


def _is_ascii_compatible(encoding: str) -> bool:
    """A label read from inside the bytes (or next to them) can only describe an ASCII-compatible
    charset: a UTF-16/32 label on bytes without a NUL pattern is a lie."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return not name.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


# Codecs that are not charsets: they interpret escapes and can yield lone surrogates or markup.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "utf-7", "idna", "punycode"})


def _try(data: bytes, encoding: str) -> str | None:
    try:
        if codecs.lookup(encoding).name in _NOT_CHARSETS:
            return None
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError, ValueError):
        return None


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess, except that windows-1252 (the web's most common legacy
    charset, and the browsers' default) wins when it fits about as well: on short Western
    text the detector often prefers mac_latin2 or cp1250, which garble accented letters."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return None
    best_chaos = min(m.chaos for m in matches)
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best_chaos + 0.05:
            return _try(data, "cp1252")
    best = min(matches, key=lambda m: m.chaos)
    return _try(data, best.encoding)
