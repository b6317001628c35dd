"""Pair features: one row per (requirement, consultant, as-of day), every factor a 0..1 value or NaN (unknown).

The same function feeds training (as-of = submission day, history strictly before it), batch and API scoring
(as-of = today) and offline `score-pairs`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ml.features.entities import Consultants, Requirements, SkillGraph
from ml.features.history import HistoryIndex
from ml.scoring.formula import FACTOR_SCORE_COLUMNS, FACTORS

EXTRA_SKILL_PENALTY = 0.1  # an extra skill the requirement did not ask for barely dilutes the Jaccard
EMBEDDING_BLEND = 0.3


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def skill_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                   graph: SkillGraph, cosine: np.ndarray | None = None) -> dict[str, np.ndarray]:
    weights = reqs.skill_weights[ri]  # (n, S)
    held = cons.skills[ci]
    # Best credit each consultant earns per wanted skill (exact 1, child 0.8, parent 0.4, sibling 0.2), computed
    # once per distinct consultant, in blocks to bound the (block, S, S) temporary.
    uniq, inverse = np.unique(ci, return_inverse=True)
    per_consultant = np.zeros((len(uniq), weights.shape[1]), dtype=np.float32)
    for start in range(0, len(uniq), 256):
        h = cons.skills[uniq[start:start + 256]]
        per_consultant[start:start + 256] = (h[:, :, None] * graph.credit[None, :, :]).max(axis=1) if h.size else 0
    credit = per_consultant[inverse.ravel()]
    total = weights.sum(axis=1)
    covered = (weights * credit).sum(axis=1)
    req_mask = (weights >= 2.0).astype(np.float32)
    req_total = req_mask.sum(axis=1)
    extra = (held * (weights == 0)).sum(axis=1)
    # Must-haves with (almost) no evidence: a hard gate for a client, so it gets its own feature.
    missing_required = (req_mask * (credit < 0.4)).sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(total > 0, covered / total, np.nan)
        required_cov = np.where(req_total > 0, (req_mask * credit).sum(axis=1) / req_total, coverage)
        jaccard = np.where(total > 0, covered / (total + EXTRA_SKILL_PENALTY * extra), np.nan)
    has_emb = reqs.has_embedding[ri] & cons.has_embedding[ci]
    if cosine is not None:  # computed by the database next to the vectors (serving)
        cosine = np.asarray(cosine, dtype=np.float64)
    elif reqs.embeddings.shape[1] and reqs.embeddings.shape[1] == cons.embeddings.shape[1]:
        cosine = np.einsum("ij,ij->i", reqs.embeddings[ri], cons.embeddings[ci]).astype(np.float64)
        cosine = np.where(has_emb, cosine, np.nan)
    else:
        cosine = np.full(len(ri), np.nan)
    cos_scaled = np.clip((cosine - 0.2) / 0.6, 0.0, 1.0)
    structured = 0.5 * jaccard + 0.5 * required_cov
    score = np.where(
        np.isfinite(structured) & np.isfinite(cosine), (1 - EMBEDDING_BLEND) * structured + EMBEDDING_BLEND * cos_scaled,
        np.where(np.isfinite(structured), structured, cos_scaled),
    )
    return {
        "skill_coverage": coverage, "skill_required_coverage": required_cov, "skill_jaccard": jaccard,
        "embedding_cosine": cosine, "skills_score": score, "n_required_skills": req_total.astype(np.float64),
        "n_missing_required": np.where(req_total > 0, missing_required, np.nan),
    }


def location_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray) -> dict[str, np.ndarray]:
    from ml.features.geo import haversine_mi

    miles = haversine_mi(reqs.lat[ri], reqs.lon[ri], cons.lat[ci], cons.lon[ci])
    tz = np.abs(reqs.tz[ri] - cons.tz[ci])
    remote = reqs.is_remote[ri]
    scale = np.where(reqs.is_hybrid[ri] == 1.0, 80.0, 50.0)
    onsite = 1.0 / (1.0 + (miles / scale) ** 2)
    onsite = np.where(cons.relocate[ci] == 1.0, np.maximum(onsite, 0.35), onsite)
    remote_score = 1.0 / (1.0 + (tz / 2.0) ** 2)
    score = np.where(remote == 1.0, remote_score, onsite)
    return {"distance_mi": miles, "tz_diff_hours": tz, "is_remote": remote, "location_score": score}


def rate_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray) -> dict[str, np.ndarray]:
    budget, rate = reqs.budget[ri], cons.rate[ci]
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = (budget - rate) / budget
        ratio = rate / budget
    # At budget ≈ 0.82; 10% over ≈ 0.62; 30% over ≈ 0.18; comfortably under → 1.
    return {"rate_ratio": ratio, "rate_score": _sigmoid(10.0 * margin + 1.5)}


def seniority_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray) -> dict[str, np.ndarray]:
    years, need = cons.years[ci], reqs.min_years[ri]
    gap = years - need
    under = np.exp(-(gap**2) / (2 * 2.0**2))  # 2 years short ≈ 0.61, 4 short ≈ 0.14
    over = np.maximum(0.6, 1.0 - 0.04 * np.maximum(gap - 8.0, 0.0))  # far overqualified: mild penalty
    score = np.where(gap < 0, under, over)
    return {"years_gap": gap, "consultant_years": years, "seniority_score": np.where(np.isfinite(gap), score, np.nan)}


def availability_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                          at_day: np.ndarray) -> dict[str, np.ndarray]:
    start = np.where(np.isfinite(reqs.start_day[ri]), reqs.start_day[ri], at_day)
    late = np.maximum(cons.available_day[ci], at_day) - start
    score = np.where(late <= 0, 1.0, np.exp(-np.maximum(late, 0.0) / 30.0))
    return {"days_late": late, "availability_score": np.where(np.isfinite(late), score, np.nan)}


def visa_match(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """1 accepted, 0 not accepted (hard filter), NaN unknown (either side missing)."""
    out = np.full(len(ri), np.nan)
    for k, (r, c) in enumerate(zip(ri, ci, strict=True)):
        accepted, visa = reqs.visa_accepted[r], cons.visa[c]
        if accepted and visa:
            out[k] = float(visa in accepted)
    return out


def compute_pair_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                          at_day: np.ndarray | float, *, graph: SkillGraph,
                          history: HistoryIndex | None = None, cosine: np.ndarray | None = None) -> pl.DataFrame:
    """Features for pairs (reqs[ri[k]], cons[ci[k]]) as of day at_day[k] (days since epoch). `cosine` (NaN =
    unknown) replaces the embedding dot product when the database already computed it."""
    ri = np.asarray(ri, dtype=np.int64)
    ci = np.asarray(ci, dtype=np.int64)
    at = np.broadcast_to(np.asarray(at_day, dtype=np.float64), ri.shape).copy()
    cols: dict[str, np.ndarray] = {}
    cols.update(skill_features(reqs, cons, ri, ci, graph, cosine))
    cols.update(location_features(reqs, cons, ri, ci))
    cols.update(rate_features(reqs, cons, ri, ci))
    cols.update(seniority_features(reqs, cons, ri, ci))
    if history is not None:
        cols.update(history.features([str(cons.ids[c]) for c in ci], [reqs.client_key[r] for r in ri], at))
    else:
        for name in ("consultant_win_rate", "consultant_n_prior", "client_win_rate", "client_n_prior",
                     "history_score", "base_rate"):
            cols[name] = np.full(len(ri), np.nan)
        cols["consultant_n_prior"] = np.zeros(len(ri))
        cols["client_n_prior"] = np.zeros(len(ri))
    cols.update(availability_features(reqs, cons, ri, ci, at))
    cols["visa_match"] = visa_match(reqs, cons, ri, ci)
    cols["budget_hourly"] = reqs.budget[ri]
    cols["consultant_rate"] = cons.rate[ci]
    cols["required_years"] = reqs.min_years[ri]
    cols["as_of_day"] = at
    frame = pl.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}, nan_to_null=False)
    frame = frame.with_columns(
        pl.Series("req_idx", ri), pl.Series("con_idx", ci),
    )
    return frame


def factor_matrix(frame: pl.DataFrame) -> np.ndarray:
    """(n, 6) factor values in FACTORS order (NaN unknown), the explainable score's input."""
    return np.column_stack([frame[FACTOR_SCORE_COLUMNS[f]].to_numpy().astype(np.float64) for f in FACTORS])


def snapshot(frame: pl.DataFrame, row: int, reqs: Requirements, cons: Consultants,
             graph: SkillGraph) -> dict[str, Any]:
    """The JSON-safe feature dict stored per recommendation: numbers (None for unknown) plus the names reasons
    need (matched / missing skills, the consultant's city)."""
    out: dict[str, Any] = {}
    for name, value in frame.row(row, named=True).items():
        if isinstance(value, float):
            out[name] = value if np.isfinite(value) else None
        else:
            out[name] = value
    r, c = int(out.pop("req_idx")), int(out.pop("con_idx"))
    wanted = reqs.skill_weights[r]
    held = cons.skills[c]
    credit = (held[:, None] * graph.credit).max(axis=0) if held.size else np.zeros_like(wanted)
    order = np.argsort(-wanted, kind="stable")
    out["matched_skills"] = [graph.names[j] for j in order if wanted[j] > 0 and credit[j] >= 0.8]
    out["missing_skills"] = [graph.names[j] for j in order if wanted[j] >= 2 and credit[j] < 0.4]
    out["consultant_location"] = cons.location_label[c]
    out["requirement_id"] = str(reqs.ids[r]) if reqs.ids[r] is not None else None
    out["consultant_id"] = str(cons.ids[c]) if cons.ids[c] is not None else None
    return out
