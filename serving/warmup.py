"""Warm start: everything the first requests would otherwise pay for, loaded in the lifespan before the server
accepts connections (uvicorn binds the port, or a worker starts accepting on the shared socket, only after the
lifespan's startup). `/readyz` answers 503 until it has finished and then reports what was loaded."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarmupReport:
    models: int            # tenant champions (and the prior) held in memory
    skills: int            # rows of the skill graph the ranking reads
    embedding_model: bool  # the sentence-embedding model has encoded once
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def warm_start(engine: Engine, models: Any | None, *, load_model: bool) -> WarmupReport:
    started = time.perf_counter()
    from ml.matching import service  # noqa: F401  the ranking stack's imports (numpy, lightgbm, features)
    from ml.matching.loaders import load_skill_graph

    with engine.connect() as conn:
        skills = len(load_skill_graph(conn).ids)
    loaded = models.preload() if models is not None else 0
    if load_model:
        from ml.ingest.service import warm_up

        warm_up()  # the embedding model, loaded once here instead of on the first import request
    report = WarmupReport(models=loaded, skills=skills, embedding_model=load_model,
                          seconds=round(time.perf_counter() - started, 3))
    log.info("warm start finished", extra={"warmup": report.as_dict()})
    return report
