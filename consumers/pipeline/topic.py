"""IPTC Media Topics tags (placeholder until the trained model lands: tags nothing)."""

from __future__ import annotations

from .model import LanguageTag, TopicTag


class TopicTagger:
    def tag(self, title: str | None, text: str, language: LanguageTag) -> tuple[TopicTag, ...]:
        return ()
