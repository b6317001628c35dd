"""Pair features: one row per (requirement, consultant, as-of day), every factor a 0..1 value or NaN (unknown).

The same function feeds training (as-of = submission day, history strictly before it), batch and API scoring
(as-of = today) and offline `score-pairs`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from ml.features.columns import FACTOR_OF_FEATURE
from ml.features.entities import Consultants, Requirements, SkillGraph
from ml.features.history import HistoryIndex
from ml.features.text_fit import pair_title_similarity, role_fit
from ml.scoring.formula import FACTOR_SCORE_COLUMNS, FACTORS

EXTRA_SKILL_PENALTY = 0.1  # an extra skill the requirement did not ask for barely dilutes the Jaccard


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _best_credit(held: np.ndarray, graph: SkillGraph) -> np.ndarray:
    """(n, S): per wanted skill, max over held skills of held value × credit[held, wanted], in blocks to bound the
    (block, S, S) temporary."""
    out = np.zeros(held.shape, dtype=np.float32)
    for start in range(0, len(held), 256):
        h = held[start:start + 256]
        if h.size:
            out[start:start + 256] = (h[:, :, None] * graph.credit[None, :, :]).max(axis=1)
    return out


SKILL_FEATURES = tuple(f for f, factor in FACTOR_OF_FEATURE.items() if factor == "skills")


def skill_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                   graph: SkillGraph) -> dict[str, np.ndarray]:
    if not len(graph.ids):  # no skill named on either side: every skill feature is unknown, never an error
        out = {name: np.full(len(ri), np.nan) for name in SKILL_FEATURES}
        out["n_required_skills"] = np.zeros(len(ri))
        return out
    weights = reqs.skill_weights[ri]  # (n, S)
    held = cons.skills[ci]
    # Best credit each consultant earns per wanted skill (exact 1, child 0.8, parent 0.4, sibling 0.2), computed
    # once per distinct consultant. The same best match weighted by depth (share of the career with the held skill;
    # NaN-free, with `has_depth` saying whether any per-skill years exist) and restricted to the resume's primary
    # (first-listed) skills.
    uniq, inverse = np.unique(ci, return_inverse=True)
    inverse = inverse.ravel()
    depth_known = np.isfinite(cons.skill_depth[uniq]).any(axis=1)
    credit = _best_credit(cons.skills[uniq], graph)[inverse]
    depth_credit = _best_credit(np.nan_to_num(cons.skill_depth[uniq], nan=0.0) * cons.skills[uniq], graph)[inverse]
    primary_credit = _best_credit(cons.skill_primary[uniq], graph)[inverse]
    # Place in the resume's list of each exactly-held wanted skill (NaN: not held, or no positions recorded).
    position = np.where(cons.skills[ci] > 0, cons.skill_position[ci], np.nan)
    has_depth = depth_known[inverse]
    total = weights.sum(axis=1)
    covered = (weights * credit).sum(axis=1)
    req_mask = (weights >= 2.0).astype(np.float32)
    req_total = req_mask.sum(axis=1)
    extra = (held * (weights == 0)).sum(axis=1)
    # Must-haves with (almost) no evidence: a hard gate for a client, so it gets its own feature.
    missing_required = (req_mask * (credit < 0.4)).sum(axis=1).astype(np.float64)
    nice_mask = ((weights > 0) & (weights < 2.0)).astype(np.float32)
    nice_total = nice_mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        depth_required = np.where(has_depth & (req_total > 0), (req_mask * depth_credit).sum(axis=1) / req_total,
                                  np.nan)
        shallowest = np.where(req_mask > 0, depth_credit, np.inf).min(axis=1)
        depth_min = np.where(has_depth & (req_total > 0), shallowest, np.nan)
        nice_cov = np.where(nice_total > 0, (nice_mask * credit).sum(axis=1) / nice_total, np.nan)
        primary_required = np.where(req_total > 0, (req_mask * primary_credit).sum(axis=1) / req_total, np.nan)
        req_position = np.where(req_mask > 0, position, np.nan)
        placed = np.isfinite(req_position).any(axis=1)
        safe = np.where(placed[:, None], req_position, 0.0)  # keeps nanmax/nanmean quiet on all-NaN rows
        position_worst = np.where(placed, np.nanmax(safe, axis=1), np.nan)
        position_mean = np.where(placed, np.nanmean(safe, axis=1), np.nan)
        coverage = np.where(total > 0, covered / total, np.nan)
        required_cov = np.where(req_total > 0, (req_mask * credit).sum(axis=1) / req_total, coverage)
        jaccard = np.where(total > 0, covered / (total + EXTRA_SKILL_PENALTY * extra), np.nan)
    score = 0.5 * jaccard + 0.5 * required_cov
    return {
        "skill_coverage": coverage, "skill_required_coverage": required_cov, "skill_jaccard": jaccard,
        "skills_score": score, "n_required_skills": req_total.astype(np.float64),
        "n_missing_required": np.where(req_total > 0, missing_required, np.nan),
        "skill_depth_required": depth_required, "skill_depth_min_required": depth_min,
        "skill_nice_coverage": nice_cov, "skill_primary_required": primary_required,
        "skill_position_worst_required": position_worst, "skill_position_mean_required": position_mean,
    }


def role_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                  cosine: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Text fit that every pair has: the embedding cosine of the two documents and the title overlap."""
    has_emb = reqs.has_embedding[ri] & cons.has_embedding[ci]
    if cosine is not None:  # computed by the database next to the vectors (serving)
        cosine = np.asarray(cosine, dtype=np.float64)
    elif reqs.embeddings.shape[1] and reqs.embeddings.shape[1] == cons.embeddings.shape[1]:
        cosine = np.einsum("ij,ij->i", reqs.embeddings[ri], cons.embeddings[ci]).astype(np.float64)
        cosine = np.where(has_emb, cosine, np.nan)
    else:
        cosine = np.full(len(ri), np.nan)
    title = pair_title_similarity([reqs.titles[r] for r in ri], [cons.titles[c] for c in ci])
    return {"embedding_cosine": cosine, "title_similarity": title, "role_score": role_fit(cosine, title)}


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
    return {"distance_mi": miles, "tz_diff_hours": tz, "is_remote": remote, "is_hybrid": reqs.is_hybrid[ri],
            "consultant_relocates": cons.relocate[ci], "location_score": score}


def rate_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray) -> dict[str, np.ndarray]:
    budget, rate = reqs.budget[ri], cons.rate[ci]
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = (budget - rate) / budget
        ratio = rate / budget
        ratio_best = rate / reqs.budget_best[ri]
    # At budget ≈ 0.82; 10% over ≈ 0.62; 30% over ≈ 0.18; comfortably under → 1.
    return {"rate_ratio": ratio, "rate_ratio_best_quote": ratio_best,
            "best_quote_from_prime": reqs.quote_from_prime[ri], "rate_score": _sigmoid(10.0 * margin + 1.5)}


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


MIN_STATED_POLICIES = 20


def visa_acceptance_rates(policies: Sequence[frozenset[str] | None]) -> dict[str, float]:
    """Per visa status, the share of requirements with a stated visa policy that accept it ({} with fewer than
    MIN_STATED_POLICIES stated policies: too few to say)."""
    stated = [p for p in policies if p]
    if len(stated) < MIN_STATED_POLICIES:
        return {}
    counts = Counter(v for p in stated for v in p)
    return {v: n / len(stated) for v, n in counts.items()}


def visa_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                  rates: Mapping[str, float]) -> dict[str, np.ndarray]:
    """`visa_match`: 1 accepted, 0 not accepted (the hard filter), NaN unknown. `visa_fit`: the same where known;
    where the email does not state a policy (vendors often leave it out), the chance that a policy would accept
    this visa, from the tenant's stated policies: a USC consultant is almost always fine, an OPT one often not."""
    match = np.full(len(ri), np.nan)
    fit = np.full(len(ri), np.nan)
    for k, (r, c) in enumerate(zip(ri, ci, strict=True)):
        accepted, visa = reqs.visa_accepted[r], cons.visa[c]
        if not visa:
            continue
        if accepted:
            match[k] = fit[k] = float(visa in accepted)
        elif rates:
            fit[k] = rates.get(visa, 0.0)
    return {"visa_match": match, "visa_fit": fit}


def compute_pair_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                          at_day: np.ndarray | float, *, graph: SkillGraph,
                          history: HistoryIndex | None = None, cosine: np.ndarray | None = None,
                          visa_rates: Mapping[str, float] | None = None) -> pl.DataFrame:
    """Features for pairs (reqs[ri[k]], cons[ci[k]]) as of day at_day[k] (days since epoch). `cosine` (NaN =
    unknown) replaces the embedding dot product when the database already computed it. `visa_rates` (see
    `visa_acceptance_rates`) defaults to the policies of `reqs` themselves; serving passes the tenant's."""
    ri = np.asarray(ri, dtype=np.int64)
    ci = np.asarray(ci, dtype=np.int64)
    at = np.broadcast_to(np.asarray(at_day, dtype=np.float64), ri.shape).copy()
    cols: dict[str, np.ndarray] = {}
    cols.update(skill_features(reqs, cons, ri, ci, graph))
    cols.update(role_features(reqs, cons, ri, ci, cosine))
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
    rates = visa_acceptance_rates(reqs.visa_accepted) if visa_rates is None else visa_rates
    cols.update(visa_features(reqs, cons, ri, ci, rates))
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
    out["requirement_title"] = reqs.titles[r]
    out["consultant_title"] = cons.titles[c][0] if cons.titles[c] else None
    out["requirement_id"] = str(reqs.ids[r]) if reqs.ids[r] is not None else None
    out["consultant_id"] = str(cons.ids[c]) if cons.ids[c] is not None else None
    return out
