"""The streaming side: a Faust app whose agent runs the pure pipeline on the raw topic.

`create_app(settings)` builds everything from one `Settings`; `storysift worker` runs it.
See docs/streaming.md for delivery semantics, the dedup window and scaling.
"""

from __future__ import annotations

from typing import Any

__all__ = ["StreamingApp", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazy: the worker's supervisor imports modules of this package and must not load Faust.
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
