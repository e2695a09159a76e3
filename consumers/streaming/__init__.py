"""The streaming side: a Faust app whose agent runs the pure pipeline on the raw topic.

`create_app(settings)` builds everything from one `Settings`; `storysift worker` runs it.
See docs/streaming.md for delivery semantics, the dedup window and scaling.
"""

from .app import StreamingApp, create_app

__all__ = ["StreamingApp", "create_app"]
