"""Publication dates written as people write them: "December 19, 2025", "19. Dezember 2025",
"19 de diciembre de 2025", "19.12.2025", "2025/12/19".

Pages declare their date in metadata less often than they print it: a byline's "Posted on
March 3, 2024" is frequently the only date a page has. `date_in_text` reads one, as YYYY-MM-DD,
from a printed line (printed.py looks in the page's short blocks) or from a declared value that
is not ISO 8601. Numeric dates are read only when unambiguous: day first with dots (European),
year first, or slashes where one side is over 12.
"""

from __future__ import annotations

import re

_MONTH_NAMES = (  # English, German, French, Spanish, Italian, Portuguese, Dutch, Polish
    "january jan januar jänner janvier enero gennaio janeiro januari styczeń stycznia",
    "february feb februar février fevrier febrero febbraio fevereiro februari luty lutego",
    "march mar märz maerz mars marzo março maart marzec marca",
    "april apr avril abril aprile kwiecień kwietnia",
    "may mai mayo maggio maio mei maj maja",
    "june jun juni juin junio giugno junho czerwiec czerwca",
    "july jul juli juillet julio luglio julho lipiec lipca",
    "august aug août aout agosto augustus sierpień sierpnia",
    "september sep sept septembre septiembre settembre setembro wrzesień września",
    "october oct oktober okt octobre octubre ottobre outubro październik października",
    "november nov novembre noviembre novembro listopad listopada",
    "december dec dez dezember décembre decembre diciembre dicembre dezembro grudzień grudnia",
)
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_MONTH = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"
_YEAR_FIRST = re.compile(r"(?<!\d)" + _YEAR + r"([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
# Month-name and dotted forms, kept as source so bylines.py can match the same forms (its own
# groups are named, so the numbered groups here do not disturb it).
_MONTH_DAY_YEAR_SOURCE = r"\b(" + _MONTH + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b"
_DAY_MONTH_YEAR_SOURCE = (r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?(" + _MONTH + r")\.?,?\s+(?:de\s+)?"
                          + _YEAR + r"\b")
_DOTTED_SOURCE = r"(?<![\d.])(\d{1,2})\. ?(\d{1,2})\. ?" + _YEAR + r"(?!\d)"  # "18.05.2014", "18. 05. 2014"
_MONTH_DAY_YEAR = re.compile(_MONTH_DAY_YEAR_SOURCE, re.I)
_DAY_MONTH_YEAR = re.compile(_DAY_MONTH_YEAR_SOURCE, re.I)
_DOTTED = re.compile(_DOTTED_SOURCE)
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/" + _YEAR + r"(?!\d)")
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# The written forms above as one pattern, for text that may open with a date (bylines.py:
# "19. Dezember 2025 von Jane Doe"); ISO dates stand for the year-first form.
WRITTEN_DATE = ("(?i:" + "|".join((_MONTH_DAY_YEAR_SOURCE, _DAY_MONTH_YEAR_SOURCE, _DOTTED_SOURCE))
                + r"|(?:19|20)\d\d-\d{2}-\d{2})")
# A date in a URL's path, as news and blog systems write it: /2024/03/19/slug, /2024-03-19-slug.
_URL_DATE = re.compile(r"/" + _YEAR + r"([/-])(\d{1,2})\2(\d{1,2})(?=[/-]|\.html?|$)")
MAX_DATE_BLOCK_CHARS = 300  # a dateline is short (printed.py reads dates from such blocks)
_FIRST_YEAR, _LAST_YEAR = 1995, 2100


def date_in_text(text: str) -> str | None:
    """The earliest-placed date in `text` that the forms above read, as YYYY-MM-DD."""
    if _ANY_YEAR.search(text) is None:  # every form has a four-digit year: most blocks stop here
        return None
    found = [hit for hit in (_first(pattern, reader, text) for pattern, reader in _FORMS) if hit]
    return min(found)[1] if found else None


def _first(pattern: re.Pattern, reader, text: str) -> tuple[int, str] | None:
    for match in pattern.finditer(text):
        if (value := reader(match.groups())) is not None:
            return match.start(), value
    return None


def _ymd(year: str, month: str | int, day: str) -> str | None:
    y, m, d = int(year), int(month), int(day)
    if _FIRST_YEAR <= y <= _LAST_YEAR and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def _slashed(groups: tuple[str, ...]) -> str | None:
    first, second, year = int(groups[0]), int(groups[1]), groups[2]
    if first > 12:
        return _ymd(year, second, first)
    if second > 12:
        return _ymd(year, first, second)
    return None  # 03/04/2024: April or March depends on the country


_FORMS = (
    (_YEAR_FIRST, lambda g: _ymd(g[0], g[2], g[3])),
    (_MONTH_DAY_YEAR, lambda g: _ymd(g[2], MONTHS[g[0].lower()], g[1])),
    (_DAY_MONTH_YEAR, lambda g: _ymd(g[2], MONTHS[g[1].lower()], g[0])),
    (_DOTTED, lambda g: _ymd(g[2], g[1], g[0])),
    (_SLASHED, _slashed),
)


def date_in_url(url: str | None) -> str | None:
    """The date a URL's path holds ("/2024/03/19/slug"), as YYYY-MM-DD."""
    found = _URL_DATE.search(url or "")
    return _ymd(found.group(1), found.group(3), found.group(4)) if found else None
