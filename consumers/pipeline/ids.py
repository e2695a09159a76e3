"""Stable article ids derived from URLs, so re-crawls of one article share a Kafka key."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a session, never the content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid",
                             "ref", "ref_src", "cmpid", "ocid", "sessionid", "sid", "phpsessid"})


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port if parts.port and (scheme, parts.port) not in {("http", 80), ("https", 443)} else None
    netloc = f"{host}:{port}" if port else host
    query = urlencode(sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_NAMES
    ))
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    # http and https copies of one page are one article.
    return urlunsplit(("https" if scheme in ("http", "https") else scheme, netloc, path, query, ""))


def article_id(url: str) -> str:
    """32 hex chars of BLAKE2b over the normalized URL."""
    return hashlib.blake2b(normalize_url(url).encode("utf-8"), digest_size=16).hexdigest()


def same_site(url_a: str, url_b: str) -> bool:
    """True when both URLs share a registrable-looking host suffix (last two labels).

    A page may only re-key itself to a canonical URL on its own site; otherwise a hostile
    page could overwrite another site's article on the compacted topic.
    """
    a = (urlsplit(url_a).hostname or "").lower().split(".")[-2:]
    b = (urlsplit(url_b).hostname or "").lower().split(".")[-2:]
    return bool(a) and a == b


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
