"""Candidate generation: pgvector HNSW nearest neighbours ∪ full-text (tsvector) ∪ shared skills, then SQL filters
(tenant via RLS, availability/status, work authorization). Ranking then touches hundreds of rows, not the bench.
One implementation for both directions: the anchor is a requirement record or a consultant record."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from ml.matching.text_index import TextIndex
from warehouse.queries import matching as queries
from warehouse.queries.matching import CandidateSearch, Direction, Eligibility

_WORD = re.compile(r"[a-z][a-z0-9]{1,30}")
_STOP = {"and", "the", "for", "with", "developer", "engineer", "senior", "junior", "lead", "sr", "jr", "remote",
         "onsite", "hybrid", "contract", "need", "urgent", "role", "position"}


@dataclass(frozen=True)
class Candidate:
    sources: list[str]  # ann | fts | skills
    cosine: float | None  # embedding cosine to the anchor; None when either side has no embedding


@dataclass(frozen=True)
class CandidateLimits:
    # The ANN searches matchable vectors only (docs/adr/0035): 100 of them are as many rows as the 200 nearest of
    # all vectors used to leave at 100k, and ef_search 400 gives recall@10 >= 0.95 against an exact search there.
    ann: int = 100
    fts: int = 100
    skills: int = 100
    ef_search: int = 400
    availability_slack_days: int = 90


def tsquery_terms(*texts: str | None) -> str:
    """An OR-query of plain lower-case words (safe for to_tsquery: no operators reach it)."""
    words: list[str] = []
    for text in texts:
        for w in _WORD.findall((text or "").lower()):
            if w not in _STOP and w not in words:
                words.append(w)
    return " | ".join(words[:16])


def candidate_search(anchor: Mapping[str, Any], *, model: str, skill_names: list[str],
                     limits: CandidateLimits) -> CandidateSearch:
    """The search an anchor record asks for. A requirement's start date and accepted visas, or a consultant's visa,
    rule candidates out; a record states only its own side's fields, so one expression serves both directions."""
    return CandidateSearch(
        anchor_id=anchor["id"], model=model,
        ann_k=limits.ann if anchor.get("embedding") is not None else 0, fts_k=limits.fts, skill_k=limits.skills,
        tsquery=tsquery_terms(anchor.get("title"), " ".join(skill_names)),
        skill_ids=[int(s[0] if isinstance(s, tuple | list) else s) for s in anchor.get("skills") or []],
        eligibility=Eligibility(start_date=anchor.get("start_date"), slack_days=limits.availability_slack_days,
                                visas_accepted=list(anchor.get("visa_accepted") or []),
                                visa_status=anchor.get("visa_status")))


def candidates(conn: sa.Connection, direction: Direction, anchor: Mapping[str, Any], *, model: str,
               skill_names: list[str], limits: CandidateLimits | None = None, tenant: str | None = None,
               text_index: TextIndex | None = None) -> dict[uuid.UUID, Candidate]:
    """Candidate ids for the anchor record (a requirement's consultants, or a consultant's open requirements) ->
    the sources that proposed each and its cosine to the anchor. `tenant`: the transaction's RLS tenant, when the
    caller has read it already. `text_index`: this process's postings answer the text source (docs/adr/0032)."""
    limits = limits or CandidateLimits()
    search = candidate_search(anchor, model=model, skill_names=skill_names, limits=limits)
    if text_index is not None:
        tenant = tenant if tenant is not None else queries.current_tenant(conn)
        entity = direction.candidate
        lexemes = (text_index.lexemes_of(search.tsquery, lambda words: queries.query_lexemes(conn, words))
                   if search.tsquery else [])
        fts_ids = text_index.top(tenant, entity.name, lexemes, limits.fts,
                                 lambda missing: queries.text_postings(conn, entity, missing),
                                 query=lambda c, missing: queries.text_postings(c, entity, missing))
        sk_ids = text_index.top(tenant, f"{entity.name}/skills", [str(s) for s in search.skill_ids], limits.skills,
                                lambda missing: queries.skill_postings(conn, entity, missing),
                                query=lambda c, missing: queries.skill_postings(c, entity, missing))
        if fts_ids is not None and sk_ids is not None:  # else: words not read yet, the database answers this once
            search = replace(search, fts_ids=fts_ids, sk_ids=sk_ids)
    rows = queries.candidates(conn, direction, search, ef_search=limits.ef_search, tenant=tenant)
    return {cid: Candidate(sources=sources, cosine=cosine) for cid, sources, cosine in rows}
