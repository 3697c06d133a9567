"""Garbage-collector policy for allocation-heavy stages.

Rendering builds hundreds of thousands of short-lived boxes and styles (WeasyPrint,
matplotlib), and with CPython's default thresholds the cyclic collector keeps promoting
them and walking the old generation, which in a warm process (fonts, caches, pandas, the
results) costs over half a second a full pass. Collecting the young generation 30× less
often and the old one practically never inside the stage took about a sixth off a render
(bench/README.md); reference counting still frees almost everything at once, and the
default thresholds, restored after the stage, collect what cycles are left.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (20_000, 50, 100)  # CPython's default: (700, 10, 10)


@contextmanager
def few_collections() -> Iterator[None]:
    """Collect rarely inside the block; restore the previous thresholds after it."""
    previous = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
