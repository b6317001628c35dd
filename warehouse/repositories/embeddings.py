"""crm.embedding: one vector per entity, in the vector space named by `model` (the backend that computed it,
warehouse.settings.stored_embedding_model), with the hash of the text it was computed from.

Vectors travel as `pgvector.Vector` parameters, which pgvector's psycopg adapter (registered on every connection by
warehouse.db) sends in binary.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

import numpy as np
import sqlalchemy as sa
from pgvector import Vector


def as_vector(vector: Iterable[float]) -> Vector:
    return Vector(np.asarray(list(vector) if not isinstance(vector, np.ndarray) else vector, dtype=np.float32))


def current_hashes(conn: sa.Connection, *, entity_type: str, model: str,
                   ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
    rows = conn.execute(sa.text(
        "select entity_id, content_hash from crm.embedding where entity_type = :et and model = :model "
        "and (cast(:ids as uuid[]) is null or entity_id = any(:ids))"),
        {"et": entity_type, "model": model, "ids": list(ids) if ids is not None else None})
    return {r[0]: r[1] for r in rows}


def current_hash(conn: sa.Connection, *, entity_type: str, entity_id: uuid.UUID, model: str) -> str | None:
    return conn.execute(sa.text(
        "select content_hash from crm.embedding where entity_type = :et and entity_id = :id and model = :model"),
        {"et": entity_type, "id": entity_id, "model": model}).scalar()


def upsert_embeddings(conn: sa.Connection, *, tenant_id: uuid.UUID, entity_type: str, model: str, dims: int,
                      rows: Sequence[tuple[uuid.UUID, Sequence[float], str]]) -> int:
    """Insert or replace (entity_id, vector, content_hash) rows of vector space `model`, and delete these entities'
    vectors of any other space: one space per entity, so after a backend switch the search's HNSW graph (filtered
    by model after the scan) does not carry dead rows of the old space. Returns the number written."""
    if not rows:
        return 0
    conn.execute(sa.text(
        "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
        "values (:t, :et, :id, :model, :dims, :v, :h) "
        "on conflict (tenant_id, entity_type, entity_id, model) do update set vector = excluded.vector, "
        "dims = excluded.dims, content_hash = excluded.content_hash, created_at = now()"),
        [{"t": tenant_id, "et": entity_type, "id": entity_id, "model": model, "dims": dims,
          "v": as_vector(vec), "h": h} for entity_id, vec, h in rows])
    conn.execute(sa.text(
        "delete from crm.embedding where tenant_id = :t and entity_type = :et and entity_id = any(:ids) "
        "and model <> :model"),
        {"t": tenant_id, "et": entity_type, "ids": [entity_id for entity_id, _, _ in rows], "model": model})
    return len(rows)


def embedding_stats(conn: sa.Connection, *, entity_type: str) -> dict:
    """Counts, the distinct stored dimensions and models, and entities of that type still without an embedding."""
    table = {"requirement": "crm.requirement", "consultant": "crm.consultant"}[entity_type]
    row = conn.execute(sa.text(
        "select count(*), coalesce(array_agg(distinct vector_dims(vector)), '{}'), "
        "coalesce(array_agg(distinct model), '{}'), "
        "coalesce(array_agg(distinct dims), '{}') from crm.embedding where entity_type = :et"),
        {"et": entity_type}).first()
    missing = conn.execute(sa.text(
        f"select count(*) from {table} x where x.deleted_at is null and not exists "
        "(select 1 from crm.embedding e where e.entity_type = :et and e.entity_id = x.id)"),
        {"et": entity_type}).scalar_one()
    return {"count": int(row[0]), "vector_dims": sorted(row[1]), "models": sorted(row[2]),
            "declared_dims": sorted(row[3]), "missing": int(missing)}
