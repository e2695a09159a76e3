"""Consumer lag per assigned raw-topic partition: high watermark minus the consumer's position.

The high watermark comes from the last fetch response, so it is as fresh as the last fetch;
sampled by a Faust timer (see app.py), which is enough for a dashboard and alerts.
"""

from __future__ import annotations

from typing import Any

from ..metrics import Metrics


async def sample_lag(consumer: Any, topic: str, metrics: Metrics) -> dict[int, int]:
    lags: dict[int, int] = {}
    for tp in sorted(consumer.assignment()):
        if tp.topic != topic:
            continue
        highwater = consumer.highwater(tp)
        position = await consumer.position(tp)
        if highwater is None or position is None:
            continue
        lags[tp.partition] = max(highwater - position, 0)
        metrics.set_lag(topic, tp.partition, lags[tp.partition])
    return lags
