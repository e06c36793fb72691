"""Keep the garbage collector from stalling every chat."""

from __future__ import annotations

import gc

_settled = False


def settle_after_startup() -> None:
    """What is loaded at start (modules, PTB, handlers, caches) lives as long as the
    process: take it out of the collector's sight. A full collection then scans only what
    was made since, instead of ~100 ms with every chat waiting (gen-2 passes measured
    during /report and exports by ``make bench``). Once per process: objects frozen are
    never collected, so a test run starting many bots must not freeze each one's leftovers."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
