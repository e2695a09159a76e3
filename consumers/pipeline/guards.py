"""Cheap checks before any parsing: reject what is not a page, refuse what would stall the parser.

The HTML parser (lexbor, C) cannot be interrupted by the cooperative `Deadline`, and its tree
builder is quadratic in the depth of open elements (100k nested <div> take ~17 s; 20k about
0.5 s), in the number of distinct attributes on one tag (40k: 2.7 s) and in the number of
<option>s (20k: 1.2 s). So a linear pre-scan estimates the depth the parser would build and
counts elements (re-opened formatting elements too), attributes and options, and refuses the
page before parsing when one exceeds its configured limit. Pages with too few start tags for any
of this to cost much (Limits.max_unscanned_start_tags, two str.count calls) only get their
attributes counted. tests/hostile/guard_survey.py measures it (dev pages, fuzzing, bombs, the
fast path's worst case); docs/contracts.md gives the figures.

The scan itself runs in C when the optional extension _guardscan.c is built and passes its
self-check at import (COMPILED_GUARD_SCAN): the same verdict as `_TreeEstimate` fed by `_TOKENS`,
which stay as the reference and the fallback, in about 0.35 ms instead of 4.5 ms per real page
that needs it (tests/unit/test_guardscan.py compares them).
"""

from __future__ import annotations

import re

from .model import BodyFormat, Failed, FailureKind, Limits, RawPage, Rejected, RejectReason

_SAMPLE_CHARS = 8192
_MAX_CONTROL_SHARE = 0.05   # text has ~0 C0 controls; random bytes ~10%
_MAX_REPLACEMENT_SHARE = 0.25  # binary decoded as UTF-8 with "replace" is mostly U+FFFD
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")

# Leading bytes (as latin-1 text) of formats a crawler fetches by mistake.
_MAGIC = (
    ("%PDF-", "a PDF document"), ("\x89PNG\r\n\x1a\n", "a PNG image"), ("\xff\xd8\xff", "a JPEG image"),
    ("GIF87a", "a GIF image"), ("GIF89a", "a GIF image"), ("PK\x03\x04", "a ZIP archive (or office document)"),
    ("\x1f\x8b", "gzip-compressed data"), ("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE office document"),
    ("7z\xbc\xaf\x27\x1c", "a 7z archive"), ("Rar!\x1a\x07", "a RAR archive"), ("\x7fELF", "an ELF binary"),
    ("wOFF", "a WOFF font"), ("wOF2", "a WOFF2 font"), ("OggS", "an Ogg media file"), ("ID3", "an MP3 file"),
    ("fLaC", "a FLAC file"), ("\x1a\x45\xdf\xa3", "a Matroska/WebM video"), ("%!PS", "a PostScript document"),
    ("\x00\x00\x01\x00", "an icon image"), ("II*\x00", "a TIFF image"), ("MM\x00*", "a TIFF image"),
)
_RIFF_KINDS = {"WEBP": "a WebP image", "WAVE": "a WAV file", "AVI ": "an AVI video"}

# Declared media types that are never a web page.
_NOT_PAGE_FAMILIES = ("image/", "audio/", "video/", "font/", "model/", "multipart/")
_XHTML_ROOT = re.compile(r"<html[\s>]", re.I)  # XHTML served with a generic XML type is a page
_NOT_PAGE_TYPES = frozenset({
    "application/pdf", "application/zip", "application/gzip", "application/x-gzip", "application/json",
    "application/javascript", "application/x-javascript", "application/ecmascript", "application/xml",
    "application/rss+xml", "application/atom+xml", "application/msword", "application/x-shockwave-flash",
    "application/wasm", "application/x-tar", "application/x-7z-compressed", "application/x-rar-compressed",
    "application/postscript", "application/java-archive", "text/css", "text/javascript", "text/csv",
    "text/xml", "text/calendar", "text/vcard",
})

# Elements the tree builder never keeps open: void ones, and html/head/body (merged, never nested).
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr keygen frame "
                  "basefont bgsound image isindex command html head body".split())
# Elements whose start closes an open sibling of the same family when it is the current node
# (<li> after <li>, <dd> after <dt>...). Only then, and only in context: <rt> outside <ruby>,
# <optgroup> outside <select> or <option> after <b> nest, and the parser takes 4 to 40 s on 60k.
_FAMILIES = ({"li"}, {"dt", "dd"}, {"tr", "td", "th", "thead", "tbody", "tfoot", "caption", "colgroup"})
_RUBY = frozenset({"rb", "rt", "rtc", "rp"})
_FAMILY = {name: frozenset(family) for family in _FAMILIES for name in family}
# Start tags that close an open <p> (when it is the current node, in this estimate).
_CLOSES_P = frozenset("address article aside blockquote center details dialog dir div dl fieldset figcaption "
                      "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
                      "summary table ul li dd dt listing plaintext xmp".split())
# Formatting elements closed implicitly stay on the parser's "active formatting" list and are
# re-opened (nested) later, so until their own end tag they still count towards depth.
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_FOREIGN = frozenset({"svg", "math"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# The HTML standard's "special" elements (an ordinary end tag cannot close through them) and
# the boundaries of the default scope (a special end tag cannot close through them).
_SPECIAL = frozenset("address applet area article aside base basefont bgsound blockquote body br button caption "
                     "center col colgroup dd details dialog dir div dl dt embed fieldset figcaption figure footer "
                     "form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li "
                     "link listing main marquee menu meta nav noembed noframes noscript object ol p param "
                     "plaintext pre script search section select source style summary table tbody td template "
                     "textarea tfoot th thead title tr track ul wbr xmp mi mo mn ms mtext annotation-xml "
                     "foreignobject desc".split())
_SCOPE_BOUNDARIES = frozenset("applet caption html table td th marquee object template mi mo mn ms mtext "
                              "annotation-xml foreignobject desc title".split())

# One C-speed pass splits the markup into tokens (findall groups): a comment (no group), a
# raw-text element (1 name, 2 attributes, 3 content), or a tag (4 "/" or "", 5 name, 6 attributes).
# Comments end as the tokenizer ends them (<!--> and <!---> are empty, --!> also closes one);
# raw text ends at </name followed by space, "/" or ">"; unterminated, both run to the end.
_TOKENS = re.compile(
    r"<!--(?:-?>|[^-]*+(?:-(?!-!?>)[^-]*+)*+(?:--!?>)?)"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes)(?=[\s/>])([^>]*+)>?"
    r"([^<]*+(?:<(?!/\1(?=[\s/>]))[^<]*+)*+)"
    r"|<(/?)([A-Za-z][^\s/>]*+)([^>]*+)>?",
    re.I,
)
# The parser's cost is quadratic in the distinct attribute names of one tag (4000: 40 ms, 40k:
# 2.7 s; real pages reach ~1000 through broken quoting), so the pre-scan bounds one tag and the
# page's sum of squares (the cost of _ATTRIBUTE_WORK_TAGS maximal tags, ~0.6 s). Tags shorter
# than _COUNTED_ATTRS chars (at most ~80 names) are not counted: cheap for the common case.
_COUNTED_ATTRS = 256
_ATTRIBUTE_WORK_TAGS = 16
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_EQUALS = re.compile(r"\s*=\s*")
_NAME_SEPARATORS = re.compile(r"[\s/]+")
# Any tag text long enough to be counted, wherever it is (scripts and comments too: it errs high).
_LONG_TAG = re.compile(r"<[A-Za-z][^\s/>]*+([^>]{%d,})" % (_COUNTED_ATTRS + 1))


def looks_binary(sample: str) -> bool:
    return sniff_binary(sample) is not None


def sniff_binary(text: str) -> str | None:
    """What binary format `text` is (bytes mapped as latin-1, or mis-decoded text), or None."""
    sample = text[:_SAMPLE_CHARS]
    head = sample.lstrip(" \t\r\n")[:16]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith("RIFF") and head[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[head[8:12]]
    if head[4:8] == "ftyp":
        return "an MP4/QuickTime media file"
    if not sample:
        return None
    controls = len(_CONTROL.findall(sample))
    if controls / len(sample) > _MAX_CONTROL_SHARE:
        return f"binary data ({100 * controls // len(sample)}% control characters)"
    replacements = sample.count("\ufffd")
    if replacements / len(sample) > _MAX_REPLACEMENT_SHARE:
        return f"binary data decoded as text ({100 * replacements // len(sample)}% U+FFFD)"
    return None


def declared_not_a_page(content_type: str | None) -> str | None:
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _NOT_PAGE_TYPES or media.startswith(_NOT_PAGE_FAMILIES) or media.startswith("application/vnd."):
        return media
    return None


def html_complexity(html: str, limits: Limits) -> str | None:
    """Why parsing `html` would be too costly (estimated depth, tags, attributes), or None."""
    if _cheap_to_parse(html, limits):
        return None
    return _scan(html, limits)


def _scan(html: str, limits: Limits) -> str | None:
    """_TreeEstimate's verdict on the whole page: by _guardscan.c when COMPILED_GUARD_SCAN and the
    limits fit its 64-bit counts (any int within +-2**40), else in Python. The same either way."""
    values = (limits.max_dom_depth, limits.max_dom_nodes, limits.max_select_options, limits.max_tag_attributes)
    if COMPILED_GUARD_SCAN and all(v.__class__ is int and -_COMPILED_LIMIT <= v <= _COMPILED_LIMIT for v in values):
        return _scan_compiled(html, limits)
    return _scan_python(html, limits)


def _scan_python(html: str, limits: Limits) -> str | None:
    return _TreeEstimate(limits).feed(_TOKENS.findall(html))


def _scan_compiled(html: str, limits: Limits) -> str | None:
    return _guardscan.scan(html, limits.max_dom_depth, limits.max_dom_nodes, limits.max_select_options,
                           limits.max_tag_attributes, count_attributes)


def _cheap_to_parse(html: str, limits: Limits) -> bool:
    """Whether the page has too few start tags for any tree-builder blow-up to cost much
    (every "<" not followed by "/" counts: an upper bound) and no costly attribute list."""
    if html.count("<") - html.count("</") > limits.max_unscanned_start_tags:
        return False
    limit, work = limits.max_tag_attributes, 0
    for attrs in _LONG_TAG.findall(html):
        # A name takes at least two chars (itself and a separator): a bound, cheaper than counting.
        names = (len(attrs) + 1) // 2 if len(attrs) < 2 * limit else count_attributes(attrs)
        if names > limit:
            return False
        work += names * names
    return work <= _ATTRIBUTE_WORK_TAGS * limit ** 2


# For the current node, the start tags that implicitly close it, and the element that must be
# open for that to happen (None: always). <p> is apart: it closes whenever in button scope.
_CLOSED_BY: dict[str, tuple[frozenset[str], str | None]] = {
    "option": (frozenset({"option", "optgroup"}), None),
    "optgroup": (frozenset({"optgroup"}), "select"),
    **{name: (_RUBY, "ruby") for name in _RUBY},
    **{name: (family, None) for name, family in _FAMILY.items()},
}


def _pop_to(target: int, stack: list[str], positions: dict[str, list[int]], special_at: list[int],
            boundary_at: list[int]) -> list[tuple[int, str]]:
    """Close open elements until `target` remain, keeping the index lists in step; returns the
    closed (stack index, name) pairs, innermost first."""
    popped = []
    while len(stack) > target:
        top = stack.pop()
        index = len(stack)
        positions[top].pop()
        if special_at and special_at[-1] == index:
            special_at.pop()
        if boundary_at and boundary_at[-1] == index:
            boundary_at.pop()
        popped.append((index, top))
    return popped


class _TreeEstimate:
    """The parser's stack of open elements, approximated from tags alone (errs deep).

    End tags follow the tree builder's rules closely enough to matter for depth: an ordinary
    end tag closes its element only if no special element is open above it; a special one
    only within its scope; a formatting one (adoption agency) lowers the stack only when no
    special element is open above it. One loop with local names: it runs once per tag.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.stack: list[str] = []
        self.positions: dict[str, list[int]] = {}  # stack indices of each open element name
        self.special_at: list[int] = []  # stack indices of open special elements
        self.boundary_at: list[int] = []  # stack indices of open scope boundaries
        self.dangling = 0  # implicitly closed formatting elements the parser will re-open
        self.start_tags = self.options = self.attribute_work = 0
        # Attribute lists not yet counted exactly, and the sum of their squared bounds: counting
        # is deferred until the bound could cross the work limit, which real pages never reach.
        self.uncounted: list[str] = []
        self.uncounted_bound = 0
        self.reopened = 0  # elements the parser creates re-opening them (bounded by max_dom_nodes)

    def feed(self, tokens: list[tuple[str, ...]]) -> str | None:  # one hot loop on purpose
        limits = self.limits
        max_nodes, max_depth, max_options = limits.max_dom_nodes, limits.max_dom_depth, limits.max_select_options
        stack, positions, special_at, boundary_at = self.stack, self.positions, self.special_at, self.boundary_at
        dangling, start_tags, options, reopened = self.dangling, self.start_tags, self.options, self.reopened
        for raw, raw_attrs, content, close, name, attrs in tokens:
            if not name:
                if not raw:
                    continue  # a comment
                if len(raw_attrs) > _COUNTED_ATTRS and (problem := self._attributes(raw, raw_attrs)):
                    return problem
                if not (positions.get("svg") or positions.get("math")):
                    continue  # raw text: no tags inside
                # Inside SVG/MathML these are ordinary elements and their content is markup.
                self.dangling, self.start_tags, self.options, self.reopened = dangling, start_tags, options, reopened
                raw = raw.lower()
                inner = [("", "", "", "", raw, raw_attrs), *_TOKENS.findall(content), ("", "", "", "/", raw, "")]
                if (problem := self.feed(inner)) is not None:
                    return problem
                dangling, start_tags, options, reopened = self.dangling, self.start_tags, self.options, self.reopened
                continue
            name = name.lower()
            if close:
                if stack and stack[-1] == name:
                    # Closing the current node (most end tags): nothing can block it and no
                    # formatting element above it is left dangling; the general path below
                    # does the same for it, slower.
                    index = len(stack) - 1
                    stack.pop()
                    positions[name].pop()
                    if special_at and special_at[-1] == index:
                        special_at.pop()
                    if boundary_at and boundary_at[-1] == index:
                        boundary_at.pop()
                    continue
                if name in _HEADINGS:
                    target = max((positions[h][-1] for h in _HEADINGS if positions.get(h)), default=-1)
                else:
                    open_at = positions.get(name)
                    target = open_at[-1] if open_at else -1
                if target < 0:
                    if dangling and name in _FORMATTING:
                        dangling -= 1
                    continue  # the parser ignores an end tag for an element that is not open
                blocker = boundary_at if name in _SPECIAL else special_at
                if blocker and blocker[-1] > target:
                    continue  # out of scope, or a special element is open above it: ignored
                popped = _pop_to(target, stack, positions, special_at, boundary_at)
                dangling += sum(1 for index, top in popped if index > target and top in _FORMATTING)
                continue
            # The text or tag after a start tag may re-open every dangling element (they nest
            # again, to be closed again with their container): charge them as created each time.
            start_tags += 1
            reopened += dangling
            if start_tags + reopened > max_nodes:
                return f"more than {max_nodes} elements (limit max_dom_nodes)"
            if len(attrs) > _COUNTED_ATTRS and (problem := self._attributes(name, attrs)) is not None:
                return problem
            if name == "option":
                options += 1
                if options > max_options:
                    return f"more than {max_options} <option> elements (limit max_select_options)"
            if name in _VOID or (attrs.endswith("/") and (positions.get("svg") or positions.get("math"))):
                continue  # self-closing syntax only counts in SVG/MathML
            if name in _CLOSES_P and (p_at := positions.get("p")):
                # "Close a p element" when one is in button scope: everything above it goes too.
                target = p_at[-1]
                button_at = positions.get("button")
                if not (boundary_at and boundary_at[-1] > target) and not (button_at and button_at[-1] > target):
                    popped = _pop_to(target, stack, positions, special_at, boundary_at)
                    dangling += sum(1 for _, top in popped if top in _FORMATTING)
            while stack:
                closed_by = _CLOSED_BY.get(stack[-1])
                if closed_by is None or name not in closed_by[0] or (closed_by[1] and not positions.get(closed_by[1])):
                    break
                _pop_to(len(stack) - 1, stack, positions, special_at, boundary_at)
            index = len(stack)
            stack.append(name)
            if (open_at := positions.get(name)) is None:
                positions[name] = [index]
            else:
                open_at.append(index)
            if name in _SPECIAL:
                special_at.append(index)
            if name in _SCOPE_BOUNDARIES:
                boundary_at.append(index)
            if index + 1 + dangling > max_depth:
                return f"elements nested more than {max_depth} deep (limit max_dom_depth)"
        self.dangling, self.start_tags, self.options, self.reopened = dangling, start_tags, options, reopened
        if start_tags + reopened > max_nodes:
            return f"more than {max_nodes} elements (limit max_dom_nodes)"
        return None

    def _attributes(self, name: str, attrs: str) -> str | None:
        limit = self.limits.max_tag_attributes
        bound = (len(attrs) + 1) // 2  # a name takes at least two chars (itself and a separator)
        if bound > limit:
            names = count_attributes(attrs)
            if names > limit:
                return f"a <{name[:20]}> tag with more than {limit} attributes (limit max_tag_attributes)"
            self.attribute_work += names * names
        else:
            self.uncounted.append(attrs)
            self.uncounted_bound += bound * bound
        work_limit = _ATTRIBUTE_WORK_TAGS * limit ** 2
        if self.attribute_work + self.uncounted_bound > work_limit:
            # The bound could cross the limit: count exactly what was deferred (the exact work of
            # every earlier prefix was within the bound, so the limit is first crossed here).
            self.attribute_work += sum(count_attributes(a) ** 2 for a in self.uncounted)
            self.uncounted.clear()
            self.uncounted_bound = 0
            if self.attribute_work > work_limit:
                return f"too many attributes overall (as costly as {_ATTRIBUTE_WORK_TAGS} tags of {limit})"
        return None


def count_attributes(attrs: str) -> int:
    """Distinct attribute names in a tag's text (the parser drops repeats); quoted values (SVG
    paths, JSON, data URIs) hold no names but end one (a="1"b="2" is two), and "/" separates
    names as a space does (it errs high on unquoted values with slashes)."""
    unquoted = _EQUALS.sub("=", _QUOTED.sub("v ", attrs))
    return len({token.split("=", 1)[0].lower() for token in _NAME_SEPARATORS.split(unquoted) if token})


# The compiled scan (_guardscan.c): _TreeEstimate's verdict in one C pass, ~12x faster; the
# Python above stays as the reference and the fallback. It implements _TOKENS and the attribute
# patterns itself (checked below) and takes the element sets from here as flags.
try:
    from . import _guardscan
except ImportError:  # installed without a C compiler: the Python scan
    _guardscan = None

_COMPILED_LIMIT = 2 ** 40  # the C counts in 64 bits (attribute work in 128): no limit within this overflows them


def _scan_vocabulary() -> list[tuple[str, int, int, str | None]]:
    """Every element name feed() treats apart, with its sets as _guardscan flags, the _CLOSED_BY
    family that closes it (an index, -1: none) and the element that must be open for that."""
    families = list(dict.fromkeys(closers for closers, _ in _CLOSED_BY.values()))
    sets = ((_guardscan.F_VOID, _VOID), (_guardscan.F_CLOSES_P, _CLOSES_P), (_guardscan.F_FORMATTING, _FORMATTING),
            (_guardscan.F_HEADING, _HEADINGS), (_guardscan.F_SPECIAL, _SPECIAL),
            (_guardscan.F_BOUNDARY, _SCOPE_BOUNDARIES))
    required = {needed for _, needed in _CLOSED_BY.values() if needed}
    words = set().union(*(names for _, names in sets), *families, _CLOSED_BY, required, _FOREIGN, {"p", "button", "option"})
    entries = []
    for word in sorted(words):
        flags = sum(flag for flag, names in sets if word in names)
        flags += sum(_guardscan.F_GROUP0 << index for index, family in enumerate(families) if word in family)
        closers, needed = _CLOSED_BY.get(word, (None, None))
        entries.append((word, flags, -1 if closers is None else families.index(closers), needed))
    return entries


# The self-check at import: this page (a bit of every rule) under limits that each stop it somewhere.
_SELF_CHECK_PAGE = (
    "<!DOCTYPE html><html><head><title>t</title><style>p{}</style><script>if (a<b) x('</p>')</script></head>"
    "<body><!-- c --><!--> <!---> <p>a <b>b <i>c</p> d <div><p>e<table><tr><td>f<td>g</table><h2>h</h3>"
    "<select><option>1<option>2<optgroup><option>3</select><ruby>r<rt>t<rp>p</ruby><ul><li>x<li>y</ul>"
    "<svg><g/><title>s<b>x</b></title><script>if (a<b) {}</script></svg><math><mi>m</mi></math>"
    "<button><p>q<div>r</button><a href=x><div>s</a></div><x-y data-z='1'>w</x-y>"
    "<span " + " ".join(f"a{i}=\"v{i}\"" for i in range(60)) + ">long</span><ſcript>t</ſcript></body></html>")
_SELF_CHECK_LIMITS = (Limits(), Limits(max_dom_depth=6), Limits(max_dom_nodes=30), Limits(max_select_options=2),
                      Limits(max_tag_attributes=20), Limits(max_dom_depth=40, max_dom_nodes=80))


def _guardscan_matches_this_module() -> bool:
    """_guardscan.c implements these patterns and constants itself, and names svg and math (as
    feed() names p, button and option): changed here and not there, the compiled scan is not used."""
    implemented = (_guardscan.TOKENS, _guardscan.QUOTED, _guardscan.EQUALS, _guardscan.NAME_SEPARATORS,
                   _guardscan.COUNTED_ATTRS, _guardscan.ATTRIBUTE_WORK_TAGS)
    return (implemented == (_TOKENS.pattern, _QUOTED.pattern, _EQUALS.pattern, _NAME_SEPARATORS.pattern,
                            _COUNTED_ATTRS, _ATTRIBUTE_WORK_TAGS)
            and _TOKENS.flags == re.I | re.U and _QUOTED.flags == _EQUALS.flags == _NAME_SEPARATORS.flags == re.U
            and _FOREIGN == {"svg", "math"})


def _compiled_scan_works() -> bool:
    if _guardscan is None or not _guardscan_matches_this_module():
        return False
    try:
        _guardscan.set_vocabulary(_scan_vocabulary())
        found = [_scan_compiled(_SELF_CHECK_PAGE, limits) for limits in _SELF_CHECK_LIMITS]
    except Exception:  # noqa: BLE001 - any failure means: do not use it
        return False
    expected = [_scan_python(_SELF_CHECK_PAGE, limits) for limits in _SELF_CHECK_LIMITS]
    return found == expected and expected[0] is None and all(expected[1:])


COMPILED_GUARD_SCAN = _compiled_scan_works()


def guard_page(page: RawPage, limits: Limits) -> Rejected | Failed | None:
    """A rejection or failure decided before parsing, or None to go on."""
    if page.http_status is not None and page.http_status >= 400:
        return Rejected(RejectReason.HTTP_ERROR, f"HTTP status {page.http_status}", page.url, page.record_id)
    media = declared_not_a_page(page.content_type)
    if media is not None and not (media.endswith("xml") and _XHTML_ROOT.search(page.body[:4096])):
        return Rejected(RejectReason.NOT_HTML, f"content type is {media}", page.url, page.record_id)
    if (binary := sniff_binary(page.body)) is not None:
        return Rejected(RejectReason.NOT_HTML, f"body is {binary}", page.url, page.record_id)
    if page.body_format is BodyFormat.HTML and (problem := html_complexity(page.body, limits)) is not None:
        return Failed(FailureKind.TOO_LARGE, f"page too complex to parse safely: {problem}",
                      page.record_id, page.url)
    return None
