"""A record the supervisor dead-lettered (it hung or crashed a worker) is skipped by the agent:
nothing is published for it again, the records around it are processed, and it is counted."""

from __future__ import annotations

import asyncio

from consumers.metrics import Metrics
from consumers.streaming import create_app
from consumers.streaming.heartbeat import Heartbeat, PoisonLedger, PoisonRecord, SupervisedWatch, read_in_flight

from agent_helpers import article_page, wait_for


def test_a_ledgered_record_is_skipped_and_the_heartbeat_ends_idle(settings, publisher, tmp_path):
    ledger = PoisonLedger(tmp_path / "poison.jsonl")
    ledger.add(PoisonRecord(settings.raw_topic, 0, 1, "worker_hang"))
    watch = SupervisedWatch(Heartbeat(tmp_path / "heartbeat"), ledger)
    metrics = Metrics(process_metrics=False)
    streaming = create_app(settings, metrics, publisher=publisher, watch=watch)
    streaming.app.finalize()
    streaming.app.flow_control.resume()
    asyncio.run(_put_three(streaming, publisher))
    sources = [dict(r.headers)["source"].decode() for r in publisher.records]
    assert sources == [f"{settings.raw_topic}/0/0", f"{settings.raw_topic}/0/2"]
    assert metrics.dead_letters.labels("worker_hang")._value.get() == 1
    assert read_in_flight(tmp_path / "heartbeat") is None


async def _put_three(streaming, publisher):
    async with streaming.agent.test_context() as agent:
        for index in range(3):
            await agent.put(article_page(f"https://news.example.com/story-{index}"))
        await wait_for(lambda: len(publisher.records) >= 2)
        await asyncio.sleep(0.1)
