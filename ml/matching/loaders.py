"""Read requirements, consultants, skills, embeddings and outcome history as feature records.

Works on any connection: the app role's tenant-scoped connection (RLS does the tenant filtering) or the owner's
after `set_tenant`. Every query is keyed by ids so serving reads only the candidates it ranks.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from ml.ai.embeddings import MODEL_NAME
from ml.features.entities import SkillGraph, to_day
from ml.features.history import OutcomeEvents
from ml.features.labelled import LabelledSubmissions

# A submission with no interview is presumed dead this long after it went out (vendors rarely reject).
SILENT_DEATH_DAYS = 21
ADVANCED_STATUSES = ("interviewing", "offered", "placed")

MODEL_MATCH = "model = :model"

REQUIREMENT_COLUMNS = (
    "id, title, city, state, lat, lon, timezone, work_mode, bill_rate_max, visa_accepted, min_years, start_date,"
    " received_at, client_company_id, status"
)
CONSULTANT_COLUMNS = (
    "id, full_name, title, city, state, lat, lon, timezone, remote_ok, willing_to_relocate, hourly_rate,"
    " visa_status, years_experience, available_from, status"
)


def load_skill_graph(conn: sa.Connection) -> SkillGraph:
    """crm.skill as a graph. The taxonomy has ~10k rows and changes only with `benchcrm migrate`, so a request reads
    a one-row fingerprint and the rows only when it changed."""
    stamp = tuple(conn.execute(sa.text(
        "select count(*), coalesce(max(id), 0), max(taxonomy_version), count(parent_id) from crm.skill")).one())
    cached = _GRAPHS.get(stamp)
    if cached is None:
        rows = conn.execute(sa.text("select id, canonical_name, parent_id from crm.skill order by id")).all()
        cached = SkillGraph.from_rows((int(r[0]), str(r[1]), r[2]) for r in rows)
        _GRAPHS.clear()  # one taxonomy at a time
        _GRAPHS[stamp] = cached
    return cached


_GRAPHS: dict[tuple, SkillGraph] = {}


def _ids_clause(column: str, ids: Sequence[uuid.UUID] | None) -> tuple[str, dict[str, Any]]:
    if ids is None:
        return "", {}
    return f" and {column} = any(:ids)", {"ids": [uuid.UUID(str(i)) for i in ids]}


def _embeddings(conn: sa.Connection, kind: str, ids: Sequence[uuid.UUID] | None, model: str) -> dict[str, list]:
    clause, params = _ids_clause("entity_id", ids)
    rows = conn.execute(sa.text(
        f"select entity_id, vector::real[] from crm.embedding where entity_type = :kind and {MODEL_MATCH}{clause}"),
        {"kind": kind, "model": model, **params}).all()
    return {str(r[0]): r[1] for r in rows}


def load_requirement_records(conn: sa.Connection, ids: Sequence[uuid.UUID] | None = None, *,
                             model: str = MODEL_NAME, embeddings: bool = True) -> list[dict[str, Any]]:
    clause, params = _ids_clause("id", ids)
    rows = [dict(r._mapping) for r in conn.execute(sa.text(
        f"select {REQUIREMENT_COLUMNS} from crm.requirement where deleted_at is null{clause} order by id"), params)]
    clause, params = _ids_clause("requirement_id", ids)
    skills: dict[str, list] = defaultdict(list)
    for rid, sid, required in conn.execute(sa.text(
            f"select requirement_id, skill_id, is_required from crm.requirement_skill where skill_id is not null{clause}"),
            params):
        skills[str(rid)].append((int(sid), bool(required)))
    # The same requirement arrives from several vendors, each quoting the rate minus its cut: the highest quote,
    # and one straight from a prime vendor (one layer below the client), say most about the real budget.
    quotes = {str(q[0]): (q[1], q[2]) for q in conn.execute(sa.text(
        "select rs.requirement_id, max(rs.rate_quoted), "
        "       max(rs.rate_quoted) filter (where co.kind in ('prime_vendor', 'msp')) "
        "from crm.requirement_source rs left join crm.company co on co.id = rs.vendor_company_id "
        f"where rs.rate_quoted is not null{clause} group by rs.requirement_id"), params)}
    vectors = _embeddings(conn, "requirement", ids, model) if embeddings else {}
    for r in rows:
        best, prime = quotes.get(str(r["id"]), (None, None))
        r["rate_quoted_best"], r["rate_quoted_prime"] = best, prime
        r["skills"] = skills.get(str(r["id"]), [])
        r["embedding"] = vectors.get(str(r["id"]))
    return rows


def load_consultant_records(conn: sa.Connection, ids: Sequence[uuid.UUID] | None = None, *,
                            model: str = MODEL_NAME, embeddings: bool = True) -> list[dict[str, Any]]:
    clause, params = _ids_clause("id", ids)
    rows = [dict(r._mapping) for r in conn.execute(sa.text(
        f"select {CONSULTANT_COLUMNS} from crm.consultant where deleted_at is null{clause} order by id"), params)]
    clause, params = _ids_clause("consultant_id", ids)
    skills: dict[str, list] = defaultdict(list)
    for cid, sid, years, primary, position in conn.execute(sa.text(
            "select consultant_id, skill_id, years, is_primary, position from crm.consultant_skill "
            f"where skill_id is not null{clause}"), params):
        skills[str(cid)].append((int(sid), None if years is None else float(years), bool(primary), position))
    vectors = _embeddings(conn, "consultant", ids, model) if embeddings else {}
    for r in rows:
        r["skills"] = skills.get(str(r["id"]), [])
        r["embedding"] = vectors.get(str(r["id"]))
    return rows


_SUBMISSIONS_SQL = """
select s.id, s.requirement_id::text as requirement_id, s.consultant_id::text as consultant_id, s.submitted_at,
       s.closed_at, s.status, r.received_at, r.client_company_id::text as client_company_id, i.first_interview,
       (i.first_interview is not null or s.status = any(:advanced)) as advanced
from crm.submission s
join crm.requirement r on r.id = s.requirement_id
left join lateral (select min(scheduled_at) as first_interview from crm.interview iv
                   where iv.submission_id = s.id) i on true
where s.deleted_at is null and s.submitted_at is not null and s.status <> 'draft' {extra}
order by s.submitted_at, s.id
"""
# Serving reads only the candidates' and the client's submissions, each through its own index, then joins the few
# rows it found (an OR, or an IN over the whole table, makes the planner scan every submission of the tenant).
_EVENTS_SQL = """
with picked as (
    select s.id, s.requirement_id, s.consultant_id, s.submitted_at, s.closed_at, s.status
    from crm.submission s
    where s.consultant_id = any(cast(:cons as uuid[])) and s.deleted_at is null and s.submitted_at is not null
      and s.status <> 'draft'
    union
    select s.id, s.requirement_id, s.consultant_id, s.submitted_at, s.closed_at, s.status
    from crm.submission s
    where s.requirement_id = any(array(select r3.id from crm.requirement r3
                                       where r3.client_company_id = any(cast(:clients as uuid[]))))
      and s.deleted_at is null
      and s.submitted_at is not null and s.status <> 'draft'
)
select p.id, p.consultant_id::text as consultant_id, p.submitted_at, p.closed_at,
       r.client_company_id::text as client_company_id, i.first_interview,
       (i.first_interview is not null or p.status = any(:advanced)) as advanced
from picked p
join lateral (select rr.client_company_id from crm.requirement rr where rr.id = p.requirement_id) r on true
left join lateral (select min(scheduled_at) as first_interview from crm.interview iv
                   where iv.submission_id = p.id) i on true
"""


def load_labelled_submissions(conn: sa.Connection, *, as_of: date | None = None) -> LabelledSubmissions:
    """Every sent submission whose outcome is known by `as_of` (default today): advanced = has an interview (or a
    status at/after interviewing); not advanced = closed, or silent for SILENT_DEATH_DAYS."""
    as_of_day = to_day(as_of or date.today())
    rows = conn.execute(sa.text(_SUBMISSIONS_SQL.format(extra="")), {"advanced": list(ADVANCED_STATUSES)}).all()
    ids, reqs, cons, sub_day, rec_day, out_day, label = [], [], [], [], [], [], []
    for r in rows:
        submitted = to_day(r.submitted_at)
        if r.advanced:
            outcome = to_day(r.first_interview) if r.first_interview is not None else submitted + 7
        elif r.closed_at is not None:
            outcome = to_day(r.closed_at)
        else:
            outcome = submitted + SILENT_DEATH_DAYS
        if outcome > as_of_day:  # still pending: no label yet
            continue
        ids.append(r.id)
        reqs.append(r.requirement_id)
        cons.append(r.consultant_id)
        sub_day.append(submitted)
        rec_day.append(to_day(r.received_at))
        out_day.append(max(outcome, submitted))
        label.append(1.0 if r.advanced else 0.0)
    return LabelledSubmissions(ids, reqs, cons, np.array(sub_day), np.array(rec_day), np.array(out_day),
                               np.array(label))


def load_outcome_events(conn: sa.Connection, *, consultant_ids: Sequence[uuid.UUID] | None = None,
                        client_ids: Sequence[uuid.UUID] | None = None) -> OutcomeEvents:
    """Outcome events of the given consultants and clients (serving: the candidates and the requirement's client)."""
    params: dict[str, Any] = {"advanced": list(ADVANCED_STATUSES)}
    if consultant_ids is None and client_ids is None:
        rows = conn.execute(sa.text(_SUBMISSIONS_SQL.format(extra="")), params).all()
    else:
        params["cons"] = [uuid.UUID(str(c)) for c in consultant_ids or []]
        params["clients"] = [uuid.UUID(str(c)) for c in client_ids or []]
        rows = conn.execute(sa.text(_EVENTS_SQL), params).all()
    days, labels = [], []
    for r in rows:
        submitted = to_day(r.submitted_at)
        if r.advanced:
            outcome = to_day(r.first_interview) if r.first_interview is not None else submitted + 7
        else:
            outcome = to_day(r.closed_at) if r.closed_at is not None else submitted + SILENT_DEATH_DAYS
        days.append(max(outcome, submitted))
        labels.append(1.0 if r.advanced else 0.0)
    return OutcomeEvents(
        consultant_key=[r.consultant_id for r in rows],
        client_key=[r.client_company_id for r in rows],
        outcome_day=np.array(days, dtype=float), label=np.array(labels, dtype=float),
    )


def load_visa_policies(conn: sa.Connection, *, limit: int = 5000) -> list[frozenset[str] | None]:
    """Up to `limit` of the tenant's stated visa policies (input of `ml.features.pairs.visa_acceptance_rates`). No
    ORDER BY on purpose: any few thousand policies estimate the shares, and the scan stops at the limit instead of
    sorting every requirement on each recommendation request."""
    rows = conn.execute(sa.text(
        "select visa_accepted from crm.requirement where deleted_at is null and visa_accepted is not null "
        "and cardinality(visa_accepted) > 0 limit :n"), {"n": limit}).scalars()
    return [frozenset(v) for v in rows]


def today_day() -> float:
    return to_day(date.today())


def day_to_date(day: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))
