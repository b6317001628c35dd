"""The generated world as plain data: parameters, tables of rows in load order, and summary statistics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

# Fixed so that a world is a pure function of its parameters (the loader passes the tenant id instead, so two
# tenants seeded alike never share primary keys).
DEFAULT_ID_NAMESPACE = uuid.UUID("6d1f0f3c-5b7e-4c2a-9a57-7e0b8b1c2d41")


class WorldParams(BaseModel):
    """What `benchcrm seed` controls. Reference date is a parameter, never today(), so worlds are reproducible."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    consultants: int = Field(2000, ge=20, le=200_000)
    requirements: int = Field(400, ge=10, le=50_000)
    seed: int = Field(7, ge=0, le=2**31 - 1)
    as_of: date = date(2026, 11, 1)
    history_days: int = Field(365, ge=60, le=1500)
    open_fraction: float = Field(0.05, ge=0.0, le=0.5)
    inbox_address: str = "reqs@benchfirm.example"
    # How varied the emails' and resumes' text is (demo_world.surface): 1.0 = the realistic mix, 0.0 = only the
    # templates the extractor was tuned on (byte-identical to the pre-variety world; for tests of plumbing that need
    # exact recovery). Only the text changes: the hidden outcome process and every non-text column do not.
    variety: float = Field(1.0, ge=0.0, le=1.0)


@dataclass
class Table:
    """Rows for one database table; `columns` name the target columns in order."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        """The rows as a polars frame; UUIDs become their canonical strings (polars has no UUID type)."""
        data = {}
        for i, c in enumerate(self.columns):
            values = [r[i] for r in self.rows]
            if any(isinstance(v, uuid.UUID) for v in values):
                values = [str(v) if v is not None else None for v in values]
            data[c] = values
        return pl.DataFrame(data, strict=False)


@dataclass
class World:
    params: WorldParams
    id_namespace: uuid.UUID
    tables: dict[str, Table]                 # "crm.consultant" -> Table, in foreign-key load order
    stats: dict = field(default_factory=dict)

    def frame(self, name: str) -> pl.DataFrame:
        return self.tables[name].frame()

    def counts(self) -> dict[str, int]:
        return {name: len(t.rows) for name, t in self.tables.items()}
