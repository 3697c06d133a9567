"""Garbage-collector policy for allocation-heavy work: a whole run (pipeline.run).

A run builds hundreds of thousands of short-lived objects (pandas, WeasyPrint's boxes and
styles, matplotlib artists), and with CPython's default thresholds the cyclic collector
keeps promoting them and walking the old generation, which in a warm process (fonts,
caches, pandas, the results) costs a tenth of a second or more a pass. Collecting the
young generation 30× less often and the old one practically never inside the block took
about a sixth off a render (bench/README.md). Reference counting still frees almost
everything at once (a warm render leaves no cyclic garbage at all), and the default
thresholds, restored after the block, collect what cycles are left.

A process that runs study after study (a batch worker) `settle`s once its libraries are
imported: what is alive then is frozen out of the collector's reach and the run's
thresholds stay for the life of the process, so ending a run no longer sets off a full
collection that walks every module, font and cache again (0.2 s a study, bench/README.md).
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


def settle() -> None:
    """For a long-lived worker, after its imports: freeze what is alive (modules, fonts,
    caches live as long as the process) and keep THRESHOLDS from now on."""
    gc.set_threshold(*THRESHOLDS)
    gc.freeze()
