"""Pair features: one row per (requirement, consultant, as-of day), every factor a 0..1 value or NaN (unknown).

The same function feeds training (as-of = submission day, history strictly before it), batch and API scoring
(as-of = today) and offline `score-pairs`.
"""

from __future__ import annotations

import math
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


def _best_credit(held: np.ndarray, graph: SkillGraph, wanted: np.ndarray | None = None) -> np.ndarray:
    """(n, S): per wanted skill, max over held skills of held value × credit[held, wanted], held values ≥ 0 (0 where
    nothing held earns credit). Only the nonzero held entries are multiplied out (a consultant holds a handful of the
    request's S skills: nnz × S products instead of n × S × S); a zero entry's products are 0, which the zeros the
    result starts from already hold. `wanted`: only these columns (the others stay 0), for callers that weigh the
    rest by 0 anyway."""
    if np.signbit(held).any():  # a -0.0 (a claim of -0.0 years): the dense max settles 0.0/-0.0 ties as it always did
        return _best_credit_dense(held, graph)
    out = np.zeros(held.shape, dtype=np.float32)
    rows, cols = np.nonzero(held)
    if len(rows) and (wanted is None or len(wanted)):
        credit = graph.credit[cols] if wanted is None else graph.credit[np.ix_(cols, wanted)]
        products = held[rows, cols][:, None] * credit  # (nnz, S or wanted), rows ascending
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        best = np.maximum.reduceat(products, starts, axis=0)
        if wanted is None:
            out[rows[starts]] = best
        else:
            out[np.ix_(rows[starts], wanted)] = best
    return out


def _best_credit_dense(held: np.ndarray, graph: SkillGraph) -> np.ndarray:
    """`_best_credit` over every (held, wanted) pair, in blocks to bound the (block, S, S) temporary."""
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
    # Every use below weighs the credit by the requirement's weights or masks (0 off the wanted skills, and the
    # credit is finite), so it is computed for the wanted columns only.
    wanted = np.flatnonzero(weights.any(axis=0))
    credit = _best_credit(cons.skills[uniq], graph, wanted)[inverse]
    depth_credit = _best_credit(np.nan_to_num(cons.skill_depth[uniq], nan=0.0) * cons.skills[uniq], graph,
                                wanted)[inverse]
    primary_credit = _best_credit(cons.skill_primary[uniq], graph, wanted)[inverse]
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
    req_titles, con_titles = reqs.titles, cons.titles
    title = pair_title_similarity([req_titles[r] for r in np.asarray(ri).tolist()],
                                  [con_titles[c] for c in np.asarray(ci).tolist()])
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
    nan = float("nan")
    match, fit = [nan] * len(ri), [nan] * len(ri)
    policies, visas = reqs.visa_accepted, cons.visa
    for k, (r, c) in enumerate(zip(np.asarray(ri).tolist(), np.asarray(ci).tolist(), strict=True)):
        accepted, visa = policies[r], visas[c]
        if not visa:
            continue
        if accepted:
            match[k] = fit[k] = float(visa in accepted)
        elif rates:
            fit[k] = rates.get(visa, 0.0)
    return {"visa_match": np.array(match, dtype=np.float64), "visa_fit": np.array(fit, dtype=np.float64)}


def compute_pair_features(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                          at_day: np.ndarray | float, *, graph: SkillGraph,
                          history: HistoryIndex | None = None, cosine: np.ndarray | None = None,
                          visa_rates: Mapping[str, float] | None = None) -> pl.DataFrame:
    """Features for pairs (reqs[ri[k]], cons[ci[k]]) as of day at_day[k] (days since epoch). `cosine` (NaN =
    unknown) replaces the embedding dot product when the database already computed it. `visa_rates` (see
    `visa_acceptance_rates`) defaults to the policies of `reqs` themselves; serving passes the tenant's."""
    return feature_frame(pair_feature_columns(reqs, cons, ri, ci, at_day, graph=graph, history=history,
                                              cosine=cosine, visa_rates=visa_rates))


def feature_frame(columns: Mapping[str, np.ndarray]) -> pl.DataFrame:
    """The frame of `pair_feature_columns` (or a row selection of them): float64 features, int64 req_idx/con_idx."""
    return pl.DataFrame({k: v if k in INDEX_COLUMNS else np.asarray(v, dtype=np.float64) for k, v in columns.items()},
                        nan_to_null=False)


INDEX_COLUMNS = ("req_idx", "con_idx")


def pair_feature_columns(reqs: Requirements, cons: Consultants, ri: np.ndarray, ci: np.ndarray,
                         at_day: np.ndarray | float, *, graph: SkillGraph,
                         history: HistoryIndex | None = None, cosine: np.ndarray | None = None,
                         visa_rates: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """`compute_pair_features` as numpy columns in the frame's order (features as float64, then req_idx and
    con_idx as int64): serving filters and scores them without building a frame unless a model needs one."""
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
        con_ids, client_keys = cons.ids, reqs.client_key
        cols.update(history.features([str(con_ids[c]) for c in ci.tolist()], [client_keys[r] for r in ri.tolist()],
                                     at))
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
    out = {k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}
    out["req_idx"], out["con_idx"] = ri, ci
    return out


def factor_matrix(frame: pl.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
    """(n, 6) factor values in FACTORS order (NaN unknown), the explainable score's input; from a frame or from
    `pair_feature_columns`."""
    if isinstance(frame, pl.DataFrame):
        return np.column_stack([frame[FACTOR_SCORE_COLUMNS[f]].to_numpy().astype(np.float64) for f in FACTORS])
    return np.column_stack([np.asarray(frame[FACTOR_SCORE_COLUMNS[f]], dtype=np.float64) for f in FACTORS])


def _json_safe(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def snapshot(frame: pl.DataFrame, row: int, reqs: Requirements, cons: Consultants,
             graph: SkillGraph) -> dict[str, Any]:
    """The JSON-safe feature dict stored per recommendation: numbers (None for unknown) plus the names reasons
    need (matched / missing skills, the consultant's city)."""
    return _snapshots([{name: _json_safe(value) for name, value in frame.row(row, named=True).items()}],
                      reqs, cons, graph)[0]


def snapshots(columns: Mapping[str, np.ndarray], rows: Sequence[int], reqs: Requirements, cons: Consultants,
              graph: SkillGraph) -> list[dict[str, Any]]:
    """`snapshot` of each of `rows` of `pair_feature_columns` (or a row selection of them), at once: the features
    are float64 (as in the frame), so one (rows, features) matrix gives every value and whether it is known."""
    picked = np.asarray(rows, dtype=np.intp)
    names = [name for name in columns if name not in INDEX_COLUMNS]
    if names:
        matrix = np.array([np.asarray(columns[name], dtype=np.float64) for name in names]).T[picked]
    else:
        matrix = np.zeros((len(picked), 0))
    values = [dict(zip(names, [v if known else None for v, known in zip(row, finite, strict=True)], strict=True))
              for row, finite in zip(matrix.tolist(), np.isfinite(matrix).tolist(), strict=True)]
    for row, r, c in zip(values, np.asarray(columns["req_idx"])[picked].tolist(),
                         np.asarray(columns["con_idx"])[picked].tolist(), strict=True):
        row["req_idx"], row["con_idx"] = r, c
    return _snapshots(values, reqs, cons, graph)


def _snapshots(out: list[dict[str, Any]], reqs: Requirements, cons: Consultants,
               graph: SkillGraph) -> list[dict[str, Any]]:
    """Snapshots from rows of JSON-safe values (column name -> value, req_idx and con_idx included), in place."""
    r_idx = [int(o.pop("req_idx")) for o in out]
    c_idx = [int(o.pop("con_idx")) for o in out]
    wanted = reqs.skill_weights[r_idx]  # (k, S)
    credit = _best_credit(cons.skills[c_idx], graph)  # per row: max over held of credit[held, wanted]
    order = np.argsort(-wanted, axis=1, kind="stable")
    matched = np.take_along_axis((wanted > 0) & (credit >= 0.8), order, axis=1)
    missing = np.take_along_axis((wanted >= 2) & (credit < 0.4), order, axis=1)
    names = graph.names
    for k, (o, r, c) in enumerate(zip(out, r_idx, c_idx, strict=True)):
        o["matched_skills"] = [names[j] for j in order[k][matched[k]].tolist()]
        o["missing_skills"] = [names[j] for j in order[k][missing[k]].tolist()]
        o["consultant_location"] = cons.location_label[c]
        o["requirement_title"] = reqs.titles[r]
        o["consultant_title"] = cons.titles[c][0] if cons.titles[c] else None
        o["requirement_id"] = str(reqs.ids[r]) if reqs.ids[r] is not None else None
        o["consultant_id"] = str(cons.ids[c]) if cons.ids[c] is not None else None
    return out
