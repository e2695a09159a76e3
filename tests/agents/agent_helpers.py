"""Helpers for the agent tests: a recording publisher, a polling wait, small raw pages."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import orjson

from consumers.routing import OutgoingRecord


class MemoryPublisher:
    """Records published batches; `gate` (when set) holds delivery back like a slow broker."""

    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []
        self.gate: asyncio.Event | None = None

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.records.extend(records)

    def on(self, topic: str) -> list[OutgoingRecord]:
        return [r for r in self.records if r.topic == topic]


async def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


STORY = (
    "The river authority said on Monday that the new flood barrier had passed its final inspection "
    "and would be ready before the winter storms arrive in the valley.",
    "Engineers spent most of the summer raising the embankment by almost a metre along the stretch "
    "between the old mill and the railway bridge, where water reached the houses two years ago.",
    "Residents who were forced out of their homes during that flood welcomed the news, although several "
    "said they would only believe the barrier works once it had been tested by a real storm.",
    "The authority plans to hold an open day next month so that people can see how the gates are lowered "
    "and ask the engineers questions about the warning system.",
)


def article_page(url: str, story: tuple[str, ...] = STORY) -> bytes:
    paragraphs = "".join(f"<p>{text}</p>" for text in story)
    html = (
        "<html><head><title>Flood barrier ready for winter</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>Flood barrier ready for winter</h1>{paragraphs}</article>"
        "<footer><a href='/privacy'>Privacy</a> | <a href='/contact'>Contact</a> | Copyright 2026</footer>"
        "</body></html>"
    )
    return orjson.dumps({"schema_version": 1, "url": url, "html": html})
