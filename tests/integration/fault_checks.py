"""What the fault tests prove: every input offset has an output, outputs are stable per input."""

from __future__ import annotations

from collections import defaultdict

from consumers.settings import Settings
from kafka_helpers import Output, Produced


def check_at_least_once(settings: Settings, produced: list[Produced], outputs: list[Output]) -> dict:
    by_source: dict[tuple[int, int], list[Output]] = defaultdict(list)
    for output in outputs:
        by_source[output.source].append(output)
    missing = [(p.partition, p.offset) for p in produced if (p.partition, p.offset) not in by_source]
    assert not missing, f"{len(missing)} input offsets never produced an output, e.g. {missing[:5]}"
    expected_key = {(p.partition, p.offset): p.key for p in produced}
    for source, copies in by_source.items():
        first = copies[0]
        for copy in copies:
            # A redelivered record yields the same record again: same topic, key and content.
            assert (copy.topic, copy.key, copy.value.get("content_hash")) == \
                   (first.topic, first.key, first.value.get("content_hash")), source
        if first.topic == settings.clean_topic:  # articles are keyed like their raw record
            assert first.key == expected_key[source]
    duplicates = sum(len(copies) - 1 for copies in by_source.values())
    return {"inputs": len(produced), "outputs": len(outputs), "duplicates": duplicates}
