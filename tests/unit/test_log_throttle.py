"""RepeatFilter: a retry loop's identical messages pass once per window, with a count."""

from __future__ import annotations

import logging

from consumers.log_throttle import RepeatFilter, throttle_library_logs


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(msg: str, *args, level: int = logging.ERROR, name: str = "aiokafka.cluster") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_repeats_of_one_template_pass_once_per_window_then_say_how_many_were_dropped():
    clock = Clock()
    repeat = RepeatFilter(window=30.0, clock=clock)
    passed = []
    for step in range(600):  # one a tenth of a second for a minute
        clock.now = step / 10
        r = record("Topic %s not found in cluster metadata", "clean")
        if repeat.filter(r):
            passed.append(r.getMessage())
    assert passed == ["Topic clean not found in cluster metadata",
                      "Topic clean not found in cluster metadata [repeated 299 more times in 30s, not shown]"]


def test_different_templates_and_info_messages_are_not_held_back():
    repeat = RepeatFilter(window=30.0, clock=Clock())
    assert repeat.filter(record("Unable connect to node %s", 1))
    assert repeat.filter(record("Topic %s not found", "x"))
    assert all(repeat.filter(record("Joined group", level=logging.INFO)) for _ in range(5))


def test_the_filter_is_attached_to_existing_library_loggers_only():
    logging.getLogger("aiokafka.some_module_for_test")
    logging.getLogger("ourapp.module_for_test")
    repeat = throttle_library_logs(["aiokafka"])
    assert repeat in logging.getLogger("aiokafka.some_module_for_test").filters
    assert repeat not in logging.getLogger("ourapp.module_for_test").filters
