"""The pure pipeline: raw record bytes -> Article | Rejected | Failed.

No Kafka, Faust or metrics imports here: the stream agents and the offline `clean` command
are thin adapters around `Pipeline.process`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .assemble import assemble, story_or_rejection, story_text
from .classify import classify
from .deadline import Deadline, DeadlineExceeded
from .decode import decode_record
from .guards import guard_page
from .html_blocks import PageTooComplex, parse_html
from .language import LanguageTagger
from .model import (Article, BodyFormat, Failed, FailureKind, Limits, Outcome, RawPage,
                    Rejected, RejectReason)
from .text_blocks import parse_text
from .topic import TopicTagger

STAGES = ("decode", "segment", "classify", "language", "topic", "assemble")


@dataclass
class StageTimer:
    """Seconds spent per stage for one page (read by the metrics adapter)."""

    seconds: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.perf_counter)

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + (now - self._last)
        self._last = now


class Pipeline:
    def __init__(self, limits: Limits | None = None, language: LanguageTagger | None = None,
                 topics: TopicTagger | None = None) -> None:
        self.limits = limits or Limits()
        self.language = language or LanguageTagger()
        self.topics = topics or TopicTagger()

    def process(self, raw: bytes, timer: StageTimer | None = None) -> Outcome:
        timer = timer or StageTimer()
        page = decode_record(raw, self.limits)
        timer.lap("decode")
        if isinstance(page, Failed):
            return page
        return self.process_page(page, timer)

    def process_page(self, page: RawPage, timer: StageTimer | None = None) -> Outcome:
        timer = timer or StageTimer()
        deadline = Deadline(self.limits.max_seconds)
        try:
            return self._run_stages(page, timer, deadline)
        except DeadlineExceeded as exc:
            return Failed(FailureKind.TIMEOUT, str(exc), page.record_id, page.url)
        except PageTooComplex as exc:
            return Failed(FailureKind.TOO_LARGE, str(exc), page.record_id, page.url)
        except RecursionError as exc:
            return Failed(FailureKind.TOO_LARGE, f"page too deeply nested: {exc}", page.record_id, page.url)
        except Exception as exc:  # noqa: BLE001 - a crash on one page must not stop the worker
            return Failed(FailureKind.CRASH, f"{type(exc).__name__}: {exc}"[:500], page.record_id, page.url)

    def _run_stages(self, page: RawPage, timer: StageTimer, deadline: Deadline) -> Article | Rejected:
        if not page.body.strip():
            return Rejected(RejectReason.EMPTY_BODY, "body is empty", page.url, page.record_id)
        if (guarded := guard_page(page, self.limits)) is not None:
            return guarded
        if page.body_format is BodyFormat.HTML:
            blocks, meta = parse_html(page.body, self.limits, deadline)
        else:
            blocks, meta = parse_text(page.body, self.limits.max_blocks)
        timer.lap("segment")
        deadline.check()
        paragraphs = classify(blocks, meta)
        timer.lap("classify")
        if (rejected := story_or_rejection(page, paragraphs)) is not None:
            return rejected
        text = story_text(paragraphs)
        if meta.title is None and page.title_hint and page.title_hint.strip():
            # the crawler's title stands in for a page that declares none (plain text always);
            # after classification, which was trained on what pages themselves declare
            meta = replace(meta, title=page.title_hint.strip())
        language = self.language.tag(text)
        timer.lap("language")
        topics = self.topics.tag(meta.title, text, language)
        timer.lap("topic")
        article = assemble(page, meta, paragraphs, text, language, topics)
        timer.lap("assemble")
        return article


__all__ = ["Pipeline", "StageTimer", "STAGES", "Limits"]
