"""The page agent: pipeline -> dedup -> routing -> publish, acked only after publication."""

from __future__ import annotations

import asyncio
import base64

import orjson

from consumers.pipeline.ids import article_id

from agent_helpers import STORY, article_page, wait_for

URL = "https://news.example.com/2026/11/flood-barrier"


def test_article_is_published_on_the_clean_topic_keyed_by_article_id(streaming, settings, publisher):
    asyncio.run(_test_article_is_published_on_the_clean_topic_keyed_by_article_id(streaming, settings, publisher))


async def _test_article_is_published_on_the_clean_topic_keyed_by_article_id(streaming, settings, publisher):
    async with streaming.agent.test_context() as agent:
        await agent.put(article_page(URL), key=b"k", headers={"trace_id": b"trace-123"})
        await wait_for(lambda: publisher.records)
    [record] = publisher.records
    assert record.topic == settings.clean_topic
    assert record.key == article_id(URL).encode()
    value = orjson.loads(record.value)
    assert value["kind"] == "article" and value["url"] == URL
    assert STORY[0] in value["text"]
    assert "Privacy" not in value["text"]
    headers = dict(record.headers)
    assert headers["trace_id"] == b"trace-123"
    assert headers["source"] == f"{settings.raw_topic}/0/0".encode()


def test_traceparent_header_gives_the_trace_id(streaming, publisher):
    asyncio.run(_test_traceparent_header_gives_the_trace_id(streaming, publisher))


async def _test_traceparent_header_gives_the_trace_id(streaming, publisher):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with streaming.agent.test_context() as agent:
        await agent.put(article_page(URL), headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01".encode()})
        await wait_for(lambda: publisher.records)
    assert dict(publisher.records[0].headers)["trace_id"] == trace.encode()


def test_invalid_record_goes_to_dead_letters_with_its_original_bytes(streaming, settings, publisher):
    asyncio.run(_test_invalid_record_goes_to_dead_letters_with_its_original_bytes(streaming, settings, publisher))


async def _test_invalid_record_goes_to_dead_letters_with_its_original_bytes(streaming, settings, publisher):
    original = b'{"url": "https://news.example.com/x", "html": '
    async with streaming.agent.test_context() as agent:
        await agent.put(original)
        await wait_for(lambda: publisher.records)
    [record] = publisher.records
    assert record.topic == settings.dead_letter_topic
    value = orjson.loads(record.value)
    assert value["error_kind"] == "invalid_json"
    assert base64.b64decode(value["original_base64"]) == original


def test_same_content_again_is_rejected_as_duplicate_changed_content_is_not(streaming, settings, publisher):
    asyncio.run(_test_same_content_again_is_rejected_as_duplicate_changed_content_is_not(streaming, settings, publisher))


async def _test_same_content_again_is_rejected_as_duplicate_changed_content_is_not(streaming, settings, publisher):
    changed = STORY[:3] + ("The open day has now been moved to the first Saturday of the new year, the authority said.",)
    async with streaming.agent.test_context() as agent:
        await agent.put(article_page(URL))
        await agent.put(article_page(URL + "?utm_source=feed"))  # same article id, same content
        await agent.put(article_page(URL, changed))
        await wait_for(lambda: len(publisher.records) == 3)
    first, second, third = publisher.records
    assert first.topic == settings.clean_topic
    assert second.topic == settings.rejections_topic
    assert orjson.loads(second.value)["reason"] == "duplicate"
    assert second.key == first.key
    assert third.topic == settings.clean_topic and third.key == first.key


def test_events_are_acked_only_after_their_outputs_are_published(streaming, publisher):
    asyncio.run(_test_events_are_acked_only_after_their_outputs_are_published(streaming, publisher))


async def _test_events_are_acked_only_after_their_outputs_are_published(streaming, publisher):
    publisher.gate = asyncio.Event()
    async with streaming.agent.test_context() as agent:
        events = [await agent.put(article_page(f"{URL}/{i}"), wait=False) for i in range(3)]
        await asyncio.sleep(0.3)  # several batch windows: the agent is waiting on delivery
        assert publisher.records == []
        assert not any(event.message.acked for event in events)
        publisher.gate.set()
        await wait_for(lambda: all(event.message.acked for event in events))
    assert len(publisher.records) == 3


def test_metrics_count_consumed_and_published(streaming, publisher):
    asyncio.run(_test_metrics_count_consumed_and_published(streaming, publisher))


async def _test_metrics_count_consumed_and_published(streaming, publisher):
    async with streaming.agent.test_context() as agent:
        await agent.put(article_page(URL))
        await agent.put(b"not json")
        registry = streaming.metrics.registry
        # observe_published runs after publish returned: wait for the counter, not the records.
        await wait_for(lambda: registry.get_sample_value("storysift_articles_published_total") == 1)
    assert registry.get_sample_value("storysift_pages_consumed_total") == 2
    assert [r.topic for r in publisher.records] == [streaming.settings.clean_topic, streaming.settings.dead_letter_topic]
