"""Keep a client library's retry loop from flooding the log.

aiokafka logs the same error about every 100 ms while a broker or a topic is gone ("Topic ... not
found in cluster metadata", "Unable connect to node ..."): thousands of lines a minute that bury
everything else. The first occurrence of a message passes; repeats of the same message template
from the same logger are dropped for `window` seconds, and the next one that passes says how many
were dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

THROTTLED_LIBRARIES = ("aiokafka", "faust", "mode")
_MAX_KEYS = 1000


class RepeatFilter(logging.Filter):
    def __init__(self, window: float = 30.0, min_level: int = logging.WARNING,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._window = window
        self._min_level = min_level
        self._clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self._min_level:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        last, dropped = self._seen.get(key, (None, 0))
        if last is not None and now - last < self._window:
            self._seen[key] = (last, dropped + 1)
            return False
        if len(self._seen) >= _MAX_KEYS:
            self._seen.clear()
        self._seen[key] = (now, 0)
        if dropped:
            record.msg = f"{record.msg} [repeated {dropped} more times in {self._window:g}s, not shown]"
        return True


def throttle_library_logs(prefixes: Iterable[str] = THROTTLED_LIBRARIES, window: float = 30.0) -> RepeatFilter:
    """Attach one filter to every logger of these libraries that exists now (they create their
    loggers at import, so call this after importing them). Logger filters see records created on
    that logger, which is where the libraries log."""
    repeat_filter = RepeatFilter(window)
    prefixes = tuple(prefixes)
    for name in list(logging.Logger.manager.loggerDict):
        if name.split(".", 1)[0] in prefixes:
            logger = logging.getLogger(name)
            if repeat_filter not in logger.filters:
                logger.addFilter(repeat_filter)
    return repeat_filter
