"""A tenant's training folder in the data folder: the values the Dagster assets hand each other (written and read
by the IO manager, orchestration/defs/train/io_manager.py) and the report files they produce (plots, HTML)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.settings import Settings

VALUES = "values"


@dataclass(frozen=True)
class ArtifactStore:
    root: Path

    @classmethod
    def for_tenant(cls, settings: Settings, tenant_slug: str) -> ArtifactStore:
        if not tenant_slug or "/" in tenant_slug or tenant_slug.startswith("."):
            raise ValueError(f"not a tenant slug: {tenant_slug!r}")
        root = settings.data_dir / "ml" / tenant_slug
        root.mkdir(parents=True, exist_ok=True)
        return cls(root)

    def path(self, name: str) -> Path:
        return self.root / name

    def _value_path(self, name: str, suffix: str) -> Path:
        return self.root / VALUES / f"{name}{suffix}"

    def write_value(self, name: str, value: Any) -> Path:
        """Polars frames as Parquet (readable by any tool), everything else pickled."""
        folder = self.root / VALUES
        folder.mkdir(parents=True, exist_ok=True)
        stale = self._value_path(name, ".pkl" if isinstance(value, pl.DataFrame) else ".parquet")
        stale.unlink(missing_ok=True)
        if isinstance(value, pl.DataFrame):
            path = self._value_path(name, ".parquet")
            value.write_parquet(path)
        else:
            path = self._value_path(name, ".pkl")
            path.write_bytes(pickle.dumps(value))
        return path

    def read_value(self, name: str) -> Any:
        parquet, pickled = self._value_path(name, ".parquet"), self._value_path(name, ".pkl")
        if parquet.exists():
            return pl.read_parquet(parquet)
        if pickled.exists():
            # Only files this pipeline wrote itself, in its own data folder.
            return pickle.loads(pickled.read_bytes())
        raise FileNotFoundError(f"{pickled.with_suffix('')} is missing: materialize the upstream asset first")
