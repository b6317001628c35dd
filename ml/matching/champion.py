"""Load the champion ranker for serving from its exported files (no MLflow import on the request path).

`ml.registry` exports the champion's booster, calibrator and manifest to `<data_dir>/models/champion/` whenever an
alias moves; this loader only reads those files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ml.ranking.bundle import MANIFEST_FILE, RankerBundle
from warehouse.settings import Settings

log = logging.getLogger(__name__)

ChampionModel = RankerBundle


def champion_dir(settings: Settings) -> Path:
    return settings.data_dir / "models" / "champion"


def load_champion(settings: Settings) -> ChampionModel | None:
    """The exported champion, or None when no model was ever promoted (callers fall back to the seed formula)."""
    folder = champion_dir(settings)
    if not (folder / MANIFEST_FILE).exists():
        return None
    try:
        return RankerBundle.load(folder)
    except Exception as exc:  # a corrupt export must not take the API down: fall back, loudly
        log.error("champion export at %s is unreadable (%s); serving the seed formula", folder, exc)
        return None
