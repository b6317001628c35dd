"""Recommendations for the API and batch jobs: candidates → point-in-time features → champion model (or the seed
formula when none is registered) → ranked, explained items; optional storage with a feature snapshot per item."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from ml.features.columns import FEATURE_VERSION
from ml.features.entities import consultants_from_records, requirements_from_records
from ml.features.history import HistoryIndex
from ml.features.pairs import (
    factor_matrix,
    feature_frame,
    pair_feature_columns,
    snapshots,
    visa_acceptance_rates,
)
from ml.matching.candidates import CandidateLimits, candidates
from ml.matching.champion import ChampionModel
from ml.matching.loaders import (
    load_candidate_records,
    load_outcome_events,
    load_skill_graph,
    load_visa_policies,
    today_day,
)
from ml.matching.tenant_cache import TenantCache
from ml.matching.text_index import TextIndex
from ml.scoring.formula import FACTORS, SEED_MODEL_VERSION, FactorResult, explainable_scores
from ml.scoring.reasons import reasons as build_reasons
from warehouse.queries.matching import Direction, anchor_record
from warehouse.repositories import recommendations as stored
from warehouse.repositories.together import Insert


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


class NotFound(LookupError):
    """The anchor requirement or consultant does not exist for this tenant (RLS hides other tenants' rows)."""


def seed_probability(score: np.ndarray) -> np.ndarray:
    """Without a trained model: a fixed, documented map from the seed score (uncalibrated; `calibrated=False`)."""
    return 1.0 / (1.0 + np.exp(-(6.0 * (np.asarray(score, float) - 0.65))))


@dataclass(frozen=True)
class RecommendationItem:
    consultant_id: uuid.UUID
    requirement_id: uuid.UUID
    rank: int
    match_score: float
    success_probability: float
    reasons: list[str]
    factors: dict[str, dict[str, Any]]
    features: dict[str, Any]
    baseline: float = 0.0


@dataclass(frozen=True)
class RecommendationResult:
    direction: Direction
    anchor_id: uuid.UUID
    model_version: str
    calibrated: bool
    items: list[RecommendationItem]
    stats: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def _factor_dicts(values: np.ndarray, contributions: np.ndarray, weights: np.ndarray) -> list[dict[str, FactorResult]]:
    """Per row of (k, len(FACTORS)) factor values, contributions and effective weights: the factors as reported."""
    known = np.isfinite(values).tolist()
    clipped = np.clip(values, 0, 1).tolist()
    out = []
    for row_known, row_value, row_weight, row_contribution in zip(
            known, clipped, np.asarray(weights).tolist(), np.asarray(contributions).tolist(), strict=True):
        out.append({name: FactorResult(value=row_value[j] if row_known[j] else None, weight=float(row_weight[j]),
                                       contribution=float(row_contribution[j]),
                                       status="known" if row_known[j] else "unknown")
                    for j, name in enumerate(FACTORS)})
    return out


def _score(columns: dict[str, np.ndarray], model: ChampionModel | None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(sort key, match_score, probability, contributions (n,6), weights (n,6), baseline, version) for the pairs'
    feature columns; a frame is built only for a model."""
    if model is None:
        score, contrib, weights = explainable_scores(factor_matrix(columns))
        return score, score, seed_probability(score), contrib, weights, np.zeros(len(score)), SEED_MODEL_VERSION
    pred = model.predict(feature_frame(columns))
    absolute = np.abs(pred.contributions)
    total = absolute.sum(axis=1, keepdims=True)
    weights = np.divide(absolute, total, out=np.zeros_like(absolute), where=total > 0)
    return (pred.raw, pred.match_score, pred.success_probability, pred.contributions, weights, pred.baseline,
            model.version)


VISA_RATES_TTL_S = 600.0
_visa_rates_cache: dict[str, tuple[float, dict[str, float]]] = {}


def _tenant_visa_rates(conn: sa.Connection, key: str) -> dict[str, float]:
    """The tenant's visa acceptance shares, cached per tenant for VISA_RATES_TTL_S: the policy mix moves slowly and
    reading it costs tens of milliseconds. Keyed by the transaction's RLS tenant (`key`), the one the rows come
    from."""
    now = time.monotonic()
    hit = _visa_rates_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    rates = visa_acceptance_rates(load_visa_policies(conn))
    _visa_rates_cache[key] = (now + VISA_RATES_TTL_S, rates)
    return rates


def _rank(conn: sa.Connection, *, reqs_records: list[dict], cons_records: list[dict], anchor_is_requirement: bool,
          top_k: int, explain: bool, model: ChampionModel | None, graph, timings: dict[str, float],
          cosine: np.ndarray, tenant: str, cache: TenantCache | None = None):
    t0 = time.perf_counter()
    graph = graph.for_records(reqs_records, cons_records)
    reqs = requirements_from_records(reqs_records, graph)
    cons = consultants_from_records(cons_records, graph)
    if anchor_is_requirement:
        ri, ci = np.zeros(len(cons), dtype=np.int64), np.arange(len(cons))
    else:
        ri, ci = np.arange(len(reqs)), np.zeros(len(reqs), dtype=np.int64)
    events = load_outcome_events(conn, consultant_ids=[c["id"] for c in cons_records],
                                 client_ids=[r["client_company_id"] for r in reqs_records if r.get("client_company_id")],
                                 cache=cache, tenant=tenant)
    timings["history_ms"] = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    visa_rates = _tenant_visa_rates(conn, tenant)
    columns = pair_feature_columns(reqs, cons, ri, ci, today_day(), graph=graph, history=HistoryIndex(events),
                                   cosine=cosine, visa_rates=visa_rates)
    # Work authorization is a hard filter: a known mismatch never reaches the list.
    visa = columns["visa_match"]
    eligible = np.flatnonzero(np.where(np.isnan(visa), 1.0, visa) != 0.0)
    columns = {name: values[eligible] for name, values in columns.items()}
    key, score, prob, contrib, weights, baseline, version = _score(columns, model)
    order = np.lexsort((np.arange(len(key)), -key))[:top_k]
    features = snapshots(columns, order, reqs, cons, graph)
    factors = _factor_dicts(factor_matrix(columns)[order], contrib[order], weights[order])
    match_score = np.clip(score[order], 0, 1).tolist()
    probability = np.clip(np.nan_to_num(prob[order], nan=0.0), 0, 1).tolist()
    base = np.asarray(baseline[order]).tolist()
    con_at, req_at = ci[eligible[order]].tolist(), ri[eligible[order]].tolist()
    items = [RecommendationItem(
        consultant_id=cons.ids[con_at[k]], requirement_id=reqs.ids[req_at[k]], rank=k + 1,
        match_score=float(match_score[k]), success_probability=float(probability[k]),
        reasons=build_reasons(features[k], factors[k]) if explain else [],
        factors={name: f.as_dict() for name, f in factors[k].items()}, features=features[k],
        baseline=float(base[k]),
    ) for k in range(len(order))]
    timings["score_ms"] = (time.perf_counter() - t1) * 1000
    return items, version, len(eligible)


def recommend(conn: sa.Connection, direction: Direction, *, tenant_id: uuid.UUID, anchor_id: uuid.UUID,
              top_k: int = 10, explain: bool = True, model: ChampionModel | None = None,
              limits: CandidateLimits | None = None, cache: TenantCache | None = None,
              text_index: TextIndex | None = None) -> RecommendationResult:
    """Ranked bench consultants for a requirement, or open requirements for a consultant. `conn` is tenant-scoped
    (RLS); tenant_id is recorded, not trusted. With `cache`, the candidates' records and the history come from the
    tenant's entries in memory (ml/matching/tenant_cache.py); with `text_index`, the candidate search's text source
    comes from this process's postings (ml/matching/text_index.py); the anchor and the rest of the candidate search
    always read the database."""
    direction = Direction(direction)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    graph = load_skill_graph(conn, cache)
    space = active_model_name()  # the vectors this process writes: the anchor's and the candidates' must match
    # The transaction's RLS tenant prunes the vector search and keys every per-tenant cache; read with the anchor,
    # once (it cannot change within this call).
    anchor, tenant = anchor_record(conn, direction.anchor, anchor_id, space)
    if anchor is None:
        raise NotFound(f"{direction.anchor.name} {anchor_id} not found")
    found = [anchor]
    proposed = candidates(conn, direction, anchor, model=space, limits=limits, tenant=tenant,
                          skill_names=graph.names_of(s[0] for s in anchor["skills"]), text_index=text_index)
    timings["candidates_ms"] = (time.perf_counter() - t0) * 1000
    records = (load_candidate_records(conn, direction.candidate, list(proposed), cache, tenant=tenant)
               if proposed else [])
    timings["records_ms"] = (time.perf_counter() - t0) * 1000 - timings["candidates_ms"]
    cosine = np.array([_nan(proposed[r["id"]].cosine) for r in records])
    reqs_records, cons_records = (found, records) if direction is Direction.FOR_REQUIREMENT else (records, found)
    items, version, eligible = _rank(conn, reqs_records=reqs_records, cons_records=cons_records,
                                     anchor_is_requirement=direction is Direction.FOR_REQUIREMENT, top_k=top_k,
                                     explain=explain, model=model, graph=graph, timings=timings, cosine=cosine,
                                     tenant=tenant, cache=cache)
    timings["total_ms"] = (time.perf_counter() - t0) * 1000
    return RecommendationResult(
        direction=direction, anchor_id=anchor_id, model_version=version, calibrated=model is not None, items=items,
        stats={"candidates": len(proposed), "eligible": eligible, "tenant_id": str(tenant_id), **timings},
        params={"top_k": top_k, "explain": explain},
    )


def recommend_for_requirement(conn: sa.Connection, *, tenant_id: uuid.UUID, requirement_id: uuid.UUID,
                              **options: Any) -> RecommendationResult:
    return recommend(conn, Direction.FOR_REQUIREMENT, tenant_id=tenant_id, anchor_id=requirement_id, **options)


def recommend_for_consultant(conn: sa.Connection, *, tenant_id: uuid.UUID, consultant_id: uuid.UUID,
                             **options: Any) -> RecommendationResult:
    return recommend(conn, Direction.FOR_CONSULTANT, tenant_id=tenant_id, anchor_id=consultant_id, **options)


def store_recommendations(conn: sa.Connection, *, tenant_id: uuid.UUID, result: RecommendationResult,
                          kind: Literal["api", "batch", "evaluation"] = "api",
                          created_by: uuid.UUID | None = None, item_ids: list[uuid.UUID] | None = None,
                          defer_snapshots: bool = False, run_id: uuid.UUID | None = None,
                          along: Sequence[Insert] = ()) -> uuid.UUID:
    """Write crm.match_run + one crm.recommendation and one crm.feature_snapshot per item (or the snapshots queued
    for the background writer: `defer_snapshots`, docs/adr/0020) in one statement, with the inserts `along` (an API
    request's audit row and event, docs/adr/0026). Returns the run id."""
    return stored.insert_run(
        conn, tenant_id=tenant_id, kind=kind, direction=Direction(result.direction).value, anchor_id=result.anchor_id,
        model_version=result.model_version, params=result.params,
        stats={**result.stats, "calibrated": result.calibrated}, created_by=created_by, finished_at=datetime.now(UTC),
        feature_version=FEATURE_VERSION, item_ids=item_ids, defer_snapshots=defer_snapshots, run_id=run_id,
        along=along, items=[stored.StoredItem(
            requirement_id=i.requirement_id, consultant_id=i.consultant_id, rank=i.rank, match_score=i.match_score,
            success_probability=i.success_probability, reasons=i.reasons,
            factors={**i.factors, "_baseline": i.baseline}, features=i.features) for i in result.items])
