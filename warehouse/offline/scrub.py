"""Erase a person from the Parquet exports of the marts (`<data_dir>/exports/<folder>/<table>.parquet`).

`marts_export` writes a tenant's snapshot (folder = tenant slug) or every tenant's ("all"). Until its next run those
files still hold what the marts held, so an erasure rewrites them as the marts function does for the tables: in the
tenant's rows (`tenant_id`), rows whose `consultant_id`/`contact_id` is one of the person's ids are dropped and text
matching the person's pattern is replaced. Other tenants' rows are left byte for byte as they were (same values,
same schema). The DuckDB file holds only views over the Parquet files, so it needs no change. Each file is replaced
atomically (write beside, then rename), so a reader sees the old or the new file, never half of one.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

PERSON_COLUMNS = ("consultant_id", "contact_id")


def scrub_frame(frame, *, tenant_id: uuid.UUID, person_ids: list[uuid.UUID], pattern: str | None,
                replacement: str):
    """(the frame without the person, rows affected): a pandas frame as the export wrote it (uuids as text)."""
    import pandas as pd

    if "tenant_id" not in frame.columns:
        return frame, 0
    tenant_rows = frame["tenant_id"].astype("string") == str(tenant_id)
    ids = {str(i) for i in person_ids}
    drop = pd.Series(False, index=frame.index)
    for column in PERSON_COLUMNS:
        if column in frame.columns:
            drop |= tenant_rows & frame[column].astype("string").isin(ids).fillna(False)
    kept = frame.loc[~drop].copy()
    affected = int(drop.sum())
    if pattern:
        regex = re.compile(pattern, re.IGNORECASE)
        mine = kept["tenant_id"].astype("string") == str(tenant_id)
        for column in kept.columns:
            values = kept[column]
            if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
                continue
            hits = mine & values.map(lambda v: isinstance(v, str) and regex.search(v) is not None)
            if hits.any():
                kept.loc[hits, column] = values[hits].map(lambda v: regex.sub(replacement, v))
                affected += int(hits.sum())
    return kept, affected


def scrub_exports(exports_root: Path, *, tenant_id: uuid.UUID, person_ids: list[uuid.UUID], pattern: str | None,
                  replacement: str) -> dict[str, int]:
    """Rewrite every export file that holds the person; returns rows affected per `<folder>/<table>.parquet`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts: dict[str, int] = {}
    if not exports_root.is_dir():
        return counts
    for path in sorted(exports_root.glob("*/*.parquet")):
        if path.parent.name.endswith(".tmp"):  # an export being written: it reads the marts after us
            continue
        table = pq.read_table(path)
        frame, affected = scrub_frame(table.to_pandas(), tenant_id=tenant_id, person_ids=person_ids,
                                      pattern=pattern, replacement=replacement)
        if not affected:
            continue
        staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        pq.write_table(pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False), staging)
        os.replace(staging, path)
        counts[f"{path.parent.name}/{path.name}"] = affected
    return counts
