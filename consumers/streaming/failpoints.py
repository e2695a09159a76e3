"""Fault injection for the poison-record tests: make the worker hang or crash on a record whose
bytes contain a marker, the way a page that hits a parser bug would. Off unless
STORYSIFT_FAILPOINTS is set (e.g. `hang=POISON-HANG,crash=POISON-CRASH`); never set it in
production."""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Failpoints:
    hang_marker: bytes = b""
    crash_marker: bytes = b""

    @classmethod
    def parse(cls, spec: str) -> "Failpoints":
        values = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
        return cls(values.get("hang", "").encode(), values.get("crash", "").encode())

    @property
    def active(self) -> bool:
        return bool(self.hang_marker or self.crash_marker)

    def trigger(self, raw: bytes) -> None:
        if self.hang_marker and self.hang_marker in raw:
            hang_holding_the_gil()
        if self.crash_marker and self.crash_marker in raw:
            segfault()


def hang_holding_the_gil() -> None:
    """Catastrophic regex backtracking: runs for ages inside C code without releasing the GIL,
    so neither asyncio nor another thread of the process can interrupt it."""
    re.match(r"(x+x+)+y", "x" * 64)


def segfault() -> None:
    ctypes.string_at(0)
