"""Data-quality measurements behind the ingestion asset checks: SQL counts for the embedding invariants, and the
frames the expectation suites validate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    import pandas as pd


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


# Frames the expectation suites validate (ml/quality/suites.py): one query per checked dataset, one row per entity,
# with just the columns the suite reads (kept when there are no rows).

def _frame(result: sa.CursorResult) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def requirement_frame(conn: sa.Connection) -> pd.DataFrame:
    """Every live requirement: trimmed title (None when blank), skill count, top bill rate, extraction status and
    the title+client dedupe key of open requirements."""
    return _frame(conn.execute(sa.text(
        "select r.id::text as requirement_id, nullif(btrim(r.title), '') as title, r.extraction_status,"
        " (select count(*) from crm.requirement_skill s where s.requirement_id = r.id) as skill_count,"
        " r.bill_rate_max::float8 as bill_rate_max,"
        " case when r.status = 'open' then r.dedupe_key end as open_dedupe_key"
        " from crm.requirement r where r.deleted_at is null order by r.id")))


def consultant_frame(conn: sa.Connection) -> pd.DataFrame:
    return _frame(conn.execute(sa.text(
        "select c.id::text as consultant_id, nullif(btrim(c.full_name), '') as full_name,"
        " c.hourly_rate::float8 as hourly_rate"
        " from crm.consultant c where c.deleted_at is null order by c.id")))


def submission_funnel_frame(conn: sa.Connection) -> pd.DataFrame:
    """The submission funnel the KPI marts count: one row per live submission with its first interview."""
    return _frame(conn.execute(sa.text(
        "select s.id::text as submission_id, s.status, s.submitted_at, s.closed_at,"
        " s.submitted_rate::float8 as submitted_rate,"
        " (select min(i.scheduled_at) from crm.interview i where i.submission_id = s.id"
        "  and i.deleted_at is null) as first_interview_at"
        " from crm.submission s where s.deleted_at is null order by s.id")))
