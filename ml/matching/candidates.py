"""Candidate generation: pgvector HNSW nearest neighbours ∪ full-text (tsvector) ∪ shared skills, then SQL filters
(tenant via RLS, availability/status, work authorization). Ranking then touches hundreds of rows, not the bench."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

_WORD = re.compile(r"[a-z][a-z0-9]{1,30}")
_STOP = {"and", "the", "for", "with", "developer", "engineer", "senior", "junior", "lead", "sr", "jr", "remote",
         "onsite", "hybrid", "contract", "need", "urgent", "role", "position"}


@dataclass(frozen=True)
class Candidate:
    sources: list[str]  # ann | fts | skills
    cosine: float | None  # embedding cosine to the anchor; None when either side has no embedding


@dataclass(frozen=True)
class CandidateLimits:
    ann: int = 200
    fts: int = 100
    skills: int = 100
    ef_search: int = 200
    availability_slack_days: int = 90


def tsquery_terms(*texts: str | None) -> str:
    """An OR-query of plain lower-case words (safe for to_tsquery: no operators reach it)."""
    words: list[str] = []
    for text in texts:
        for w in _WORD.findall((text or "").lower()):
            if w not in _STOP and w not in words:
                words.append(w)
    return " | ".join(words[:16])


def _set_ef_search(conn: sa.Connection, ef: int) -> None:
    conn.execute(sa.text("select set_config('hnsw.ef_search', :ef, true)"), {"ef": str(int(ef))})


_CONSULTANTS_SQL = """
with anchor as (
    select q.vector from crm.embedding q where q.entity_type = 'requirement' and q.entity_id = :anchor
      and q.model = :model limit 1
), ann as (
    -- A scalar subquery (an InitPlan parameter) lets the planner use the HNSW index for ORDER BY ... LIMIT.
    select e.entity_id as id from crm.embedding e
    where e.entity_type = 'consultant' and e.model = :model
    order by e.vector <=> (select vector from anchor)
    limit :ann_k
), fts as (
    -- app.fts_consultant: every match of the tenant, through the GIN index under RLS (migration 0016)
    select c.id from app.fts_consultant(case when cast(:tsq as text) <> '' then to_tsquery('english', :tsq) end) c
    where c.deleted_at is null and c.status in ('bench', 'marketing')
    order by ts_rank(c.search_tsv, to_tsquery('english', :tsq)) desc limit :fts_k
), sk as (
    select cs.consultant_id as id from crm.consultant_skill cs
    where cs.skill_id = any(cast(:skill_ids as int[]))
    group by cs.consultant_id order by count(*) desc, cs.consultant_id limit :skill_k
), merged as (
    select id, 'ann' as source from ann union all select id, 'fts' from fts union all select id, 'skills' from sk
)
select c.id, array_agg(distinct m.source) as sources,
       -- cosine similarity to the anchor, computed here so vectors never travel to Python on the request path
       max(1 - (ce.vector <=> (select vector from anchor))) as cosine
from merged m
-- id = any(array(...)): probe the primary key for the few merged ids instead of hashing the whole bench
join crm.consultant c on c.id = m.id and c.id = any(array(select id from merged))
left join crm.embedding ce on ce.entity_type = 'consultant' and ce.entity_id = c.id
     and ce.model = :model
where c.deleted_at is null and c.status in ('bench', 'marketing')
  and (c.available_from is null or c.available_from <= coalesce(cast(:start_date as date), current_date) + cast(:slack as int))
  and (cardinality(cast(:visas as text[])) = 0 or c.visa_status is null
       or c.visa_status = any(cast(:visas as text[])))
group by c.id
"""

_REQUIREMENTS_SQL = """
with anchor as (
    select q.vector from crm.embedding q where q.entity_type = 'consultant' and q.entity_id = :anchor
      and q.model = :model limit 1
), ann as (
    -- A scalar subquery (an InitPlan parameter) lets the planner use the HNSW index for ORDER BY ... LIMIT.
    select e.entity_id as id from crm.embedding e
    where e.entity_type = 'requirement' and e.model = :model
    order by e.vector <=> (select vector from anchor)
    limit :ann_k
), fts as (
    select r.id from app.fts_requirement(case when cast(:tsq as text) <> '' then to_tsquery('english', :tsq) end) r
    where r.deleted_at is null and r.status = 'open'
    order by ts_rank(r.search_tsv, to_tsquery('english', :tsq)) desc limit :fts_k
), sk as (
    select rs.requirement_id as id from crm.requirement_skill rs
    where rs.skill_id = any(cast(:skill_ids as int[]))
    group by rs.requirement_id order by count(*) desc, rs.requirement_id limit :skill_k
), merged as (
    select id, 'ann' as source from ann union all select id, 'fts' from fts union all select id, 'skills' from sk
)
select r.id, array_agg(distinct m.source) as sources,
       max(1 - (re.vector <=> (select vector from anchor))) as cosine
from merged m
join crm.requirement r on r.id = m.id and r.id = any(array(select id from merged))
left join crm.embedding re on re.entity_type = 'requirement' and re.entity_id = r.id
     and re.model = :model
where r.deleted_at is null and r.status = 'open'
  and (cast(:visa as text) is null or r.visa_accepted is null or cardinality(r.visa_accepted) = 0
       or cast(:visa as text) = any(r.visa_accepted))
group by r.id
"""


def consultant_candidates(conn: sa.Connection, requirement: Mapping[str, Any], *, model: str,
                          skill_names: list[str], limits: CandidateLimits | None = None) -> dict[uuid.UUID, Candidate]:
    """Candidate consultant ids for a requirement record -> sources that proposed it and cosine to the anchor."""
    limits = limits or CandidateLimits()
    _set_ef_search(conn, limits.ef_search)
    skill_ids = [int(s[0]) for s in requirement.get("skills") or []]
    rows = conn.execute(sa.text(_CONSULTANTS_SQL), {
        "anchor": requirement["id"], "model": model,
        "ann_k": limits.ann if requirement.get("embedding") is not None else 0, "fts_k": limits.fts,
        "skill_k": limits.skills, "tsq": tsquery_terms(requirement.get("title"), " ".join(skill_names)),
        "skill_ids": skill_ids, "start_date": requirement.get("start_date"),
        "slack": limits.availability_slack_days, "visas": list(requirement.get("visa_accepted") or []),
    }).all()
    return {r[0]: Candidate(sources=list(r[1]), cosine=r[2]) for r in rows}


def requirement_candidates(conn: sa.Connection, consultant: Mapping[str, Any], *, model: str,
                           skill_names: list[str], limits: CandidateLimits | None = None) -> dict[uuid.UUID, Candidate]:
    """Candidate open requirement ids for a consultant record -> sources and cosine to the anchor."""
    limits = limits or CandidateLimits()
    _set_ef_search(conn, limits.ef_search)
    rows = conn.execute(sa.text(_REQUIREMENTS_SQL), {
        "anchor": consultant["id"], "model": model,
        "ann_k": limits.ann if consultant.get("embedding") is not None else 0, "fts_k": limits.fts,
        "skill_k": limits.skills, "tsq": tsquery_terms(consultant.get("title"), " ".join(skill_names)),
        "skill_ids": [int(s[0] if isinstance(s, tuple | list) else s) for s in consultant.get("skills") or []], "visa": consultant.get("visa_status"),
    }).all()
    return {r[0]: Candidate(sources=list(r[1]), cosine=r[2]) for r in rows}
