"""glibc malloc settings for the long-running worker: keep freed page memory returnable.

Pages arrive as strings of hundreds of KB. glibc serves such blocks with mmap (returned to the
OS on free) until the first one is freed: then it raises its mmap threshold up to 32 MB and
later pages land in the heap, where a few small live objects pin freed space between them.
Fixing the threshold disables that adjustment. Measured with bench/memory.py over 500
wcxb-dev pages: the Pipeline phase grows RSS by +137 MB with the default, +49 MB with the
threshold at 128 KB (malloc_trim gives back 99 MB in the first case, 11 MB in the second).
"""

from __future__ import annotations

import ctypes
import functools
import logging

log = logging.getLogger(__name__)

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's initial value, now fixed
TRIM_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2  # the worker allocates pages on its event-loop thread; a few helper threads


@functools.cache  # trim_heap runs every 30 s: load the library handle once
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return None


def bound_heap() -> bool:
    """Apply the settings above; False when this is not glibc (then nothing changed)."""
    libc = _libc()
    if libc is None:
        return False
    done = all(libc.mallopt(param, value) == 1 for param, value in (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
        (_M_ARENA_MAX, ARENA_MAX)))
    if not done:
        log.warning("mallopt refused a setting: freed page memory may stay resident")
    return done


# How often the worker hands freed heap pages back to the OS (malloc_trim walks the heap: a few
# milliseconds each time). bench/memory.py: a trim after 500 pages gave back another 16 MB.
TRIM_INTERVAL_SECONDS = 30.0


def trim_heap() -> bool:
    """Return free memory inside the heap to the OS; False when nothing was given back or not glibc."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
