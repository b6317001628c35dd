"""Requirements, consultants, skills, embeddings and outcome history as feature records, read through
warehouse.queries.matching (the SQL lives there; this module shapes rows into what the features take).

Works on any connection: the app role's tenant-scoped connection (RLS does the tenant filtering) or the owner's
after `set_tenant`. Every read is keyed by ids so serving reads only the candidates it ranks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from ml.features.entities import SkillGraph, to_day
from ml.features.history import OutcomeEvents
from ml.matching.tenant_cache import OutcomeRow, TenantCache
from warehouse.queries import matching as queries
from warehouse.queries.matching import CONSULTANT, REQUIREMENT, Entity, current_tenant

# A submission with no interview is presumed dead this long after it went out (vendors rarely reject).
SILENT_DEATH_DAYS = 21


def load_skill_graph(conn: sa.Connection, cache: TenantCache | None = None) -> SkillGraph:
    """crm.skill as a graph. The taxonomy has ~10k rows and changes only with `benchcrm migrate`, so a request reads
    a one-row fingerprint and the rows only when it changed; with a `cache` whose change listener is connected, not
    even the fingerprint until a taxonomy change is announced (migration 0038)."""
    if cache is not None:
        return cache.taxonomy(lambda: _graph_by_stamp(conn))
    return _graph_by_stamp(conn)


def _graph_by_stamp(conn: sa.Connection) -> SkillGraph:
    stamp = queries.skill_taxonomy_stamp(conn)
    cached = _GRAPHS.get(stamp)
    if cached is None:
        cached = SkillGraph.from_rows(queries.skill_taxonomy(conn))
        _GRAPHS.clear()  # one taxonomy at a time
        _GRAPHS[stamp] = cached
    return cached


_GRAPHS: dict[tuple, SkillGraph] = {}


def load_records(conn: sa.Connection, entity: Entity, ids: Sequence[uuid.UUID] | None = None, *,
                 model: str | None = None, embeddings: bool = True) -> list[dict[str, Any]]:
    """The entity's records with their `skills` and (unless `embeddings=False`) their `embedding` in vector space
    `model` (default: the one this process writes, `active_model_name()`); a requirement's also with its best quoted
    rates."""
    rows = queries.records(conn, entity, ids)
    skills = queries.skills(conn, entity, ids)
    vectors = queries.embeddings(conn, entity, ids, model or active_model_name()) if embeddings else {}
    # The same requirement arrives from several vendors, each quoting the rate minus its cut: the highest quote,
    # and one straight from a prime vendor (one layer below the client), say most about the real budget.
    quotes = queries.rate_quotes(conn, ids) if entity is REQUIREMENT else None
    for r in rows:
        key = str(r["id"])
        if quotes is not None:
            r["rate_quoted_best"], r["rate_quoted_prime"] = quotes.get(key, (None, None))
        r["skills"] = skills.get(key, [])
        r["embedding"] = vectors.get(key)
    return rows


def load_candidate_records(conn: sa.Connection, entity: Entity, ids: Sequence[uuid.UUID],
                           cache: TenantCache | None = None, *, tenant: str | None = None) -> list[dict[str, Any]]:
    """`load_records(..., embeddings=False)` of the proposed candidates, through the tenant's cache when given.
    `tenant`: the transaction's RLS tenant (`current_tenant(conn)`) when the caller has just read it."""
    if cache is None:
        return load_records(conn, entity, ids, embeddings=False)
    return cache.records(tenant if tenant is not None else current_tenant(conn), entity.name, ids,
                         lambda missing: load_records(conn, entity, missing, embeddings=False))


def load_requirement_records(conn: sa.Connection, ids: Sequence[uuid.UUID] | None = None, *,
                             model: str | None = None, embeddings: bool = True) -> list[dict[str, Any]]:
    return load_records(conn, REQUIREMENT, ids, model=model, embeddings=embeddings)


def load_consultant_records(conn: sa.Connection, ids: Sequence[uuid.UUID] | None = None, *,
                            model: str | None = None, embeddings: bool = True) -> list[dict[str, Any]]:
    return load_records(conn, CONSULTANT, ids, model=model, embeddings=embeddings)


def reported_day(row: Any) -> float:
    """When a sent submission's outcome became known: its first interview (a week after sending when it advanced
    without one on record), its close, or SILENT_DEATH_DAYS after sending."""
    submitted = to_day(row.submitted_at)
    if row.advanced:
        return to_day(row.first_interview) if row.first_interview is not None else submitted + 7
    return to_day(row.closed_at) if row.closed_at is not None else submitted + SILENT_DEATH_DAYS


def outcome_day(row: Any) -> float:
    """The outcome's day as features see it: never before the submission went out."""
    return max(reported_day(row), to_day(row.submitted_at))


def load_outcome_events(conn: sa.Connection, *, consultant_ids: Sequence[uuid.UUID] | None = None,
                        client_ids: Sequence[uuid.UUID] | None = None, cache: TenantCache | None = None,
                        tenant: str | None = None) -> OutcomeEvents:
    """Outcome events of the given consultants and clients (serving: the candidates and the requirement's client),
    from the tenant's history held in `cache` when one is given (`tenant`: as in `load_candidate_records`)."""
    if consultant_ids is None and client_ids is None:
        rows = queries.sent_submissions(conn)
    elif cache is not None and cache.enabled:  # a disabled cache must not turn this into a full history read
        rows = cache.outcome_rows(
            tenant if tenant is not None else current_tenant(conn), [str(c) for c in consultant_ids or []],
            [str(c) for c in client_ids or []], lambda: _whole_history(conn),
            lambda keys: _outcome_rows(queries.sent_submissions_by_keys(
                conn, consultant_ids=sorted(keys.consultants), submission_ids=sorted(keys.submissions),
                requirement_ids=sorted(keys.requirements))), _whole_history)
    else:
        rows = queries.sent_submissions_of(conn, consultant_ids=consultant_ids or [], client_ids=client_ids or [])
    return events_from_rows(rows)


def _whole_history(conn: sa.Connection) -> list[OutcomeRow]:
    return _outcome_rows(queries.sent_submissions(conn))


def _outcome_rows(rows: Sequence[sa.Row]) -> list[OutcomeRow]:
    return [OutcomeRow(id=r.id, consultant_id=r.consultant_id, client_company_id=r.client_company_id,
                       submitted_at=r.submitted_at, closed_at=r.closed_at, first_interview=r.first_interview,
                       advanced=bool(r.advanced), requirement_id=r.requirement_id) for r in rows]


def events_from_rows(rows: Sequence[Any]) -> OutcomeEvents:
    return OutcomeEvents(
        consultant_key=[r.consultant_id for r in rows],
        client_key=[r.client_company_id for r in rows],
        outcome_day=np.array([outcome_day(r) for r in rows], dtype=float),
        label=np.array([1.0 if r.advanced else 0.0 for r in rows], dtype=float),
    )


def load_visa_policies(conn: sa.Connection, *, limit: int = 5000) -> list[frozenset[str] | None]:
    """Up to `limit` of the tenant's stated visa policies (input of `ml.features.pairs.visa_acceptance_rates`)."""
    return [frozenset(v) for v in queries.visa_policies(conn, limit=limit)]


def today_day() -> float:
    return to_day(date.today())


def day_to_date(day: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))
