"""Value types shared by every pipeline stage.

All results are frozen dataclasses: stages return new values, nothing is set from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import Enum
from functools import cached_property


class Label(str, Enum):
    STORY = "story"
    BOILERPLATE = "boilerplate"


class BlockKind(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    PREFORMATTED = "preformatted"
    TABLE_CELL = "table_cell"
    CAPTION = "caption"


class BodyFormat(str, Enum):
    HTML = "html"
    TEXT = "text"


class RejectReason(str, Enum):
    """The page was read fine but holds no article."""

    NO_STORY_FOUND = "no_story_found"
    TOO_SHORT = "too_short"
    NOT_HTML = "not_html"
    EMPTY_BODY = "empty_body"
    HTTP_ERROR = "http_error"
    DUPLICATE = "duplicate"


class FailureKind(str, Enum):
    """The record could not be processed: it goes to the dead-letter topic."""

    INVALID_JSON = "invalid_json"
    SCHEMA_VIOLATION = "schema_violation"
    UNDECODABLE_BODY = "undecodable_body"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    CRASH = "crash"
    # Decided by the worker's supervisor (consumers/streaming/supervisor.py), not the pipeline:
    WORKER_HANG = "worker_hang"  # processing it ran past stuck_record_seconds; the worker was killed
    WORKER_CRASH = "worker_crash"  # the worker process died on it crash_attempts times


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile page from stalling or exhausting a worker."""

    max_record_bytes: int = 8 * 1024 * 1024
    max_page_chars: int = 8 * 1024 * 1024
    max_dom_nodes: int = 200_000
    max_dom_depth: int = 512
    max_tag_attributes: int = 4000
    max_select_options: int = 5000
    max_unscanned_start_tags: int = 1000  # fewer: no tree-builder blow-up is costly, skip the depth scan
    max_blocks: int = 20_000
    max_seconds: float = 5.0
    # The stream's contract: a record's url is an absolute URL, or the record is a dead letter (a
    # crawler bug its team should see). `storysift clean` turns it off by default: files of pages
    # from datasets often carry an identifier there, or nothing; such pages are keyed by their id.
    require_absolute_url: bool = True


@dataclass(frozen=True)
class RawPage:
    """A decoded raw-page record: the body is text, whatever it arrived as."""

    url: str
    body: str
    body_format: BodyFormat
    record_id: str | None = None
    fetched_at: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    title_hint: str | None = None
    crawl: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Block:
    """A candidate paragraph with the layout features the classifier reads.

    Plain-text pages yield blocks with only text features (no DOM): link_chars is 0,
    tag is "" and dom_path is "".
    """

    text: str
    kind: BlockKind
    index: int
    tag: str = ""
    dom_path: str = ""
    link_chars: int = 0
    heading_level: int = 0
    in_main: bool = False
    boilerplate_hint: bool = False
    hints: frozenset[str] = frozenset()   # class/id/role hint groups of the enclosing elements
    containers: tuple[int, ...] = ()      # serial numbers of enclosing block elements, outermost first


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: BlockKind
    label: Label
    score: float


@dataclass(frozen=True)
class PageMeta:
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    language_hint: str | None = None
    # The page calls itself an article (og:type "article", a schema.org Article or BlogPosting
    # type) and not a forum thread or Q&A page: its comment section is not part of the story.
    declares_article: bool = False


@dataclass(frozen=True)
class LanguageTag:
    code: str  # ISO 639-1, "zh-hans"/"zh-hant" for Chinese scripts, "und" when unsure
    confidence: float


@dataclass(frozen=True)
class TopicTag:
    code: str  # IPTC Media Topic, e.g. "medtop:11000000"
    label: str
    score: float


@dataclass(frozen=True)
class Article:
    article_id: str
    record_id: str | None
    url: str
    meta: PageMeta
    paragraphs: tuple[Paragraph, ...]
    language: LanguageTag
    topics: tuple[TopicTag, ...]
    content_hash: str

    @cached_property  # read by records, metrics and dedup: computed once per article
    def story(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if p.label is Label.STORY)

    @cached_property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.story)


@dataclass(frozen=True)
class Rejected:
    reason: RejectReason
    detail: str
    url: str | None
    record_id: str | None
    article_id: str | None = None
    paragraph_count: int = 0
    story_paragraph_count: int = 0
    story_chars: int = 0
    content_hash: str | None = None  # set for `duplicate`: the hash already published


@dataclass(frozen=True)
class Failed:
    kind: FailureKind
    message: str
    record_id: str | None = None
    url: str | None = None


Outcome = Article | Rejected | Failed


def direct_constructor(cls: type, field_names: tuple[str, ...]) -> Callable[[dict], object]:
    """`make(values)` building a frozen `cls` from a dict of exactly `field_names`, in that order.
    The hot paths build a Block per block and a Paragraph per paragraph: filling `__dict__`
    directly skips the dataclass __init__ (one object.__setattr__ per field, ~2 us a Block) and
    makes the same value while `cls` has exactly these fields, no __post_init__ and no
    __slots__; otherwise `make` calls __init__."""
    if [f.name for f in fields(cls)] != list(field_names) or hasattr(cls, "__post_init__") \
            or "__slots__" in vars(cls):
        return lambda values: cls(**values)
    new, set_attribute = object.__new__, object.__setattr__

    def make(values: dict) -> object:
        made = new(cls)
        set_attribute(made, "__dict__", values)
        return made
    return make
