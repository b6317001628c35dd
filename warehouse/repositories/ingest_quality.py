"""Data-quality measurements behind the ingestion asset checks (one query per invariant)."""

from __future__ import annotations

import sqlalchemy as sa


def requirements_missing_title_or_skills(conn: sa.Connection, *, sample: int = 5) -> tuple[int, int, list[dict]]:
    """(offenders, extracted requirements, a sample of offenders) among requirements past extraction."""
    total = conn.execute(sa.text(
        "select count(*) from crm.requirement where extraction_status <> 'pending' and deleted_at is null"
    )).scalar_one()
    offenders_sql = (
        "from crm.requirement r where r.extraction_status <> 'pending' and r.deleted_at is null and "
        "(btrim(r.title) = '' or not exists (select 1 from crm.requirement_skill s where s.requirement_id = r.id))")
    n = conn.execute(sa.text(f"select count(*) {offenders_sql}")).scalar_one()
    rows = conn.execute(sa.text(f"select r.id, r.title, r.raw_subject {offenders_sql} limit :n"), {"n": sample})
    return int(n), int(total), [dict(r._mapping) for r in rows]


def rates_out_of_range(conn: sa.Connection, *, table: str, low: float, high: float) -> tuple[int, list[dict]]:
    column = {"requirement": "bill_rate_max", "consultant": "hourly_rate"}[table]
    rows = conn.execute(sa.text(
        f"select id, {column} as rate from crm.{table} where {column} is not null and deleted_at is null "
        f"and ({column} < :low or {column} > :high) limit 1000"), {"low": low, "high": high}).all()
    return len(rows), [{"id": str(r[0]), "rate": float(r[1])} for r in rows[:5]]


def shared_dedupe_key_rate(conn: sa.Connection) -> tuple[int, int]:
    """(open requirements sharing a title+client key with another, open requirements with a key)."""
    row = conn.execute(sa.text(
        "select count(*) filter (where n > 1), count(*) from ("
        "  select count(*) over (partition by dedupe_key) as n from crm.requirement "
        "  where dedupe_key is not null and status = 'open' and deleted_at is null) k")).first()
    return int(row[0]), int(row[1])


def embedding_dimensions(conn: sa.Connection, *, entity_type: str) -> tuple[int, list[int], list[int]]:
    """(embeddings, distinct stored vector dims, distinct declared dims) for one entity type."""
    row = conn.execute(sa.text(
        "select count(*), coalesce(array_agg(distinct vector_dims(vector)), '{}'), "
        "coalesce(array_agg(distinct dims), '{}') from crm.embedding where entity_type = :et"),
        {"et": entity_type}).first()
    return int(row[0]), sorted(row[1]), sorted(row[2])


def requirements_without_embedding(conn: sa.Connection, *, model: str) -> int:
    return int(conn.execute(sa.text(
        "select count(*) from crm.requirement r where r.extraction_status <> 'pending' and r.deleted_at is null "
        "and not exists (select 1 from crm.embedding e where e.entity_type = 'requirement' "
        "and e.entity_id = r.id and e.model = :model)"), {"model": model}).scalar_one())
