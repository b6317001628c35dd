"""Where the training pipeline's intermediate artifacts live between steps (Parquet, model text, JSON)."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ml.calibration.calibrators import Calibrator
from warehouse.settings import Settings


@dataclass(frozen=True)
class ArtifactStore:
    root: Path

    @classmethod
    def for_tenant(cls, settings: Settings, tenant_slug: str) -> ArtifactStore:
        root = settings.data_dir / "ml" / tenant_slug
        root.mkdir(parents=True, exist_ok=True)
        return cls(root)

    def path(self, name: str) -> Path:
        return self.root / name

    def write_frame(self, name: str, frame: pl.DataFrame) -> Path:
        path = self.path(f"{name}.parquet")
        frame.write_parquet(path)
        return path

    def read_frame(self, name: str) -> pl.DataFrame:
        path = self.path(f"{name}.parquet")
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: materialize the upstream asset first")
        return pl.read_parquet(path)

    def write_json(self, name: str, data: Any) -> Path:
        path = self.path(f"{name}.json")
        path.write_text(json.dumps(data, indent=2, default=str))
        return path

    def read_json(self, name: str) -> Any:
        return json.loads(self.path(f"{name}.json").read_text())

    def write_booster(self, booster) -> Path:
        path = self.path("ranker_booster.txt")
        path.write_text(booster.model_to_string())
        return path

    def read_booster(self):
        import lightgbm as lgb

        return lgb.Booster(model_str=self.path("ranker_booster.txt").read_text())

    def write_pickle(self, name: str, obj: Any) -> Path:
        path = self.path(f"{name}.pkl")
        path.write_bytes(pickle.dumps(obj))
        return path

    def read_pickle(self, name: str) -> Any:
        # Only files this pipeline wrote itself, in its own data folder.
        return pickle.loads(self.path(f"{name}.pkl").read_bytes())

    def write_calibrator(self, name: str, calibrator: Calibrator) -> Path:
        path = self.path(f"{name}.json")
        path.write_text(calibrator.to_json())
        return path

    def read_calibrator(self, name: str) -> Calibrator:
        return Calibrator.from_json(self.path(f"{name}.json").read_text())
