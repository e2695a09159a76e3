"""A cooperative per-page time limit: long loops call `check()` so a pathological page
cannot stall a partition."""

from __future__ import annotations

import time


class DeadlineExceeded(Exception):
    """Raised inside the pipeline only; `Pipeline.process` turns it into a `Failed` value."""


class Deadline:
    __slots__ = ("_expires_at",)

    def __init__(self, seconds: float) -> None:
        self._expires_at = time.perf_counter() + seconds

    def check(self) -> None:
        if time.perf_counter() > self._expires_at:
            raise DeadlineExceeded("page processing time limit exceeded")

    @classmethod
    def unlimited(cls) -> "Deadline":
        return cls(float("inf"))
