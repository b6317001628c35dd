"""Keeps the API's long-lived objects out of Python's full garbage collections (issue 12, docs/adr/0033).

An API process holds hundreds of thousands of long-lived objects: the ranking cache's records and histories, the
text index's row ids, the models and the taxonomy. The caches keep growing as they fill, and every full (generation
2) collection walks all of them. At 100k consultants such a collection took 150–420 ms, every few seconds per
worker, and it stopped every thread of the process while it ran. Frozen, they took 10–55 ms.

`gc.freeze()` moves every object the collector tracks into a permanent generation that later collections skip.
Reference counting still frees these objects as soon as nothing refers to them, so an evicted cache entry goes as
before. We freeze after the warm start and after each full collection, so the objects that survived it are not
walked again.

Only garbage *cycles* among frozen objects would stay. To bound them, everything is unfrozen every
`UNFREEZE_SECONDS`, and the next full collection walks the whole heap once.
"""

from __future__ import annotations

import gc
import time
from typing import Any

UNFREEZE_SECONDS = 600.0

_state: dict[str, Any] = {"installed": False, "unfrozen_at": 0.0, "thawed": False}


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    if phase != "stop" or info.get("generation") != 2:
        return
    now = time.monotonic()
    if not _state["thawed"] and now - _state["unfrozen_at"] >= UNFREEZE_SECONDS:
        _state.update(unfrozen_at=now, thawed=True)
        gc.unfreeze()  # the next full collection walks everything once, then freezes what survives
    else:
        _state["thawed"] = False
        gc.freeze()


def freeze_long_lived() -> None:
    """Freeze what exists now and what survives each later full collection (installed once per process)."""
    gc.freeze()
    _state.update(unfrozen_at=time.monotonic(), thawed=False)
    if not _state["installed"]:
        gc.callbacks.append(_after_collection)
        _state["installed"] = True


def stop_freezing() -> None:
    """Undo `freeze_long_lived` (the process is not serving any more; tests)."""
    if _state["installed"]:
        gc.callbacks.remove(_after_collection)
        _state["installed"] = False
    gc.unfreeze()
