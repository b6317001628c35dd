"""`benchcrm serve --workers N`: uvicorn aborts a reload (SIGHUP) whose new worker is not ready within
`timeout_worker_healthcheck` (5 s by default) and keeps the old workers. A worker is ready only after its warm start
(docs/adr/0040), which may take up to `warm_cache_seconds`, so serve gives it that and more."""

from __future__ import annotations

import inspect

import uvicorn

from cli.serve import worker_ready_timeout


def test_a_new_worker_may_take_the_whole_warm_start_before_uvicorn_gives_up(settings):
    assert "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters  # the knob still exists
    for budget in (0.0, 60.0, 600.0):
        assert worker_ready_timeout(settings.model_copy(update={"warm_cache_seconds": budget})) >= budget + 30
