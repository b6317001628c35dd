"""The API keeps its long-lived objects out of full garbage collections (serving/gc_tuning.py)."""

from __future__ import annotations

import gc

from serving import gc_tuning


def test_what_survives_a_full_collection_is_frozen_and_everything_is_unfrozen_now_and_then(monkeypatch):
    try:
        gc_tuning.freeze_long_lived()
        assert gc.get_freeze_count() > 0 and gc.get_count()[2] == 0
        frozen = gc.get_freeze_count()
        kept = [{"id": i, "skills": [i]} for i in range(2000)]  # a cache filling up after the warm start
        gc.collect()
        assert gc.get_freeze_count() >= frozen + len(kept)  # the next full collection will not walk them again

        cycle: list = []
        cycle.append(cycle)
        del cycle  # garbage a frozen heap would keep: bounded by the periodic unfreeze
        monkeypatch.setattr(gc_tuning, "UNFREEZE_SECONDS", 0.0)
        gc.collect()
        assert gc.get_freeze_count() == 0  # unfrozen: the following full collection walks the whole heap once
        gc.collect()
        assert gc.get_freeze_count() >= len(kept)
        del kept
    finally:
        gc_tuning.stop_freezing()
    assert gc.get_freeze_count() == 0 and gc_tuning._after_collection not in gc.callbacks
