"""Metric functions. Ranking metrics treat each requirement as a query over the consultants submitted to it."""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def brier_skill_score(y: np.ndarray, p: np.ndarray) -> float:
    """1 - Brier / Brier of always predicting the period's base rate (climatology)."""
    y = np.asarray(y, float)
    ref = float(np.mean((y - y.mean()) ** 2))
    return float(1.0 - brier(y, p) / ref) if ref > 0 else 0.0


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Weighted mean |observed rate - mean prediction| over equal-width probability bins."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 0, 1)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() * abs(y[mask].mean() - p[mask].mean())
    return float(total / max(len(y), 1))


def ece_noise_floor(p: np.ndarray, draws: int = 200, quantile: float = 0.95, seed: int = 0) -> float:
    """The ECE a perfectly calibrated model with these probabilities would show by chance on this many rows."""
    rng = np.random.default_rng(seed)
    p = np.clip(np.asarray(p, float), 0, 1)
    sims = [expected_calibration_error((rng.random(len(p)) < p).astype(float), p) for _ in range(draws)]
    return float(np.quantile(sims, quantile))


def reliability_curve(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean prediction, observed rate, count) per non-empty bin."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 0, 1)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    xs, ys, ns = [], [], []
    for b in range(bins):
        mask = idx == b
        if mask.any():
            xs.append(p[mask].mean())
            ys.append(y[mask].mean())
            ns.append(int(mask.sum()))
    return np.array(xs), np.array(ys), np.array(ns)


def per_query_ranking(query: np.ndarray, y: np.ndarray, score: np.ndarray, k: int = 10,
                      hit_k: int = 5) -> dict[str, np.ndarray]:
    """Per query with at least one positive (in order of query id): reciprocal rank within the top k, recall@k,
    NDCG@k and whether a positive is in the top `hit_k`.

    Ties are broken against the model (a positive tied with negatives ranks after them), so a constant score can
    never look good."""
    query, y, score = np.asarray(query), np.asarray(y, float), np.asarray(score, float)
    order = np.lexsort((y, -score, query))  # within a query: score desc, then negatives first on ties
    q_sorted, y_sorted = query[order], y[order]
    bounds = np.flatnonzero(np.r_[True, q_sorted[1:] != q_sorted[:-1], True])
    mrr, recall, ndcg, hits = [], [], [], []
    for a, b in itertools.pairwise(bounds):
        labels = y_sorted[a:b]
        n_pos = labels.sum()
        if n_pos <= 0:
            continue
        top = labels[:k]
        first = np.flatnonzero(top > 0)
        mrr.append(1.0 / (first[0] + 1) if len(first) else 0.0)
        recall.append(top.sum() / n_pos)
        gains = top / np.log2(np.arange(2, len(top) + 2))
        ideal = np.sort(labels)[::-1][:k] / np.log2(np.arange(2, min(k, len(labels)) + 2))
        ndcg.append(gains.sum() / ideal.sum())
        hits.append(float(labels[:hit_k].sum() > 0))
    return {f"mrr_at_{k}": np.array(mrr), f"recall_at_{k}": np.array(recall), f"ndcg_at_{k}": np.array(ndcg),
            f"top{hit_k}_hit": np.array(hits)}


def ranking_metrics(query: np.ndarray, y: np.ndarray, score: np.ndarray, k: int = 10,
                    hit_k: int = 5) -> dict[str, float]:
    """MRR@k, Recall@k, NDCG@k and Top-`hit_k` hit rate over queries with at least one positive (see
    `per_query_ranking`)."""
    per_query = per_query_ranking(query, y, score, k, hit_k)
    n = len(per_query[f"mrr_at_{k}"])
    out: dict[str, float] = {name: float(v.mean()) if n else 0.0 for name, v in per_query.items()}
    out["queries"] = n
    return out


def bootstrap_differences(query: np.ndarray, y: np.ndarray, a: tuple[np.ndarray, np.ndarray],
                          b: tuple[np.ndarray, np.ndarray], *, draws: int = 2000, seed: int = 0,
                          level: float = 0.95) -> dict[str, tuple[float, float, float]]:
    """Model A minus model B on MRR@10, Top-5 hit and Brier skill score, with a paired bootstrap over queries
    (requirements): {metric: (difference, low, high)}. a and b are (ranking score, probability) on the same rows.

    With a few hundred test requirements one query moves Top-5 by ~0.003: an interval that straddles 0 means the
    data cannot tell the two models apart."""
    query, y = np.asarray(query), np.asarray(y, float)
    rng = np.random.default_rng(seed)
    out: dict[str, tuple[float, float, float]] = {}
    ra, rb = per_query_ranking(query, y, a[0]), per_query_ranking(query, y, b[0])
    for name in ("mrr_at_10", "top5_hit"):
        diff = ra[name] - rb[name]
        if not len(diff):
            continue
        means = diff[rng.integers(0, len(diff), size=(draws, len(diff)))].mean(axis=1)
        out[name] = (float(diff.mean()), *_interval(means, level))
    # BSS from per-query sums, so that resampling requirements resamples all their rows.
    codes, inverse = np.unique(query, return_inverse=True)
    n_q = np.bincount(inverse, minlength=len(codes)).astype(float)
    y_q = np.bincount(inverse, weights=y, minlength=len(codes))
    se_a = np.bincount(inverse, weights=(np.asarray(a[1], float) - y) ** 2, minlength=len(codes))
    se_b = np.bincount(inverse, weights=(np.asarray(b[1], float) - y) ** 2, minlength=len(codes))

    def bss(pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, pos = n_q[pick].sum(axis=-1), y_q[pick].sum(axis=-1)
        ref = pos - pos**2 / n  # sum of (y - mean)^2 for 0/1 labels
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1 - se_a[pick].sum(axis=-1) / ref, 1 - se_b[pick].sum(axis=-1) / ref

    full_a, full_b = bss(np.arange(len(codes)))
    sample_a, sample_b = bss(rng.integers(0, len(codes), size=(draws, len(codes))))
    out["bss"] = (float(full_a - full_b), *_interval(sample_a - sample_b, level))
    return out


def _interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    tail = (1 - level) / 2 * 100
    return float(np.percentile(samples, tail)), float(np.percentile(samples, 100 - tail))


def score_metrics(query: np.ndarray, y: np.ndarray, score: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    """Everything in the report for one model: probability metrics on `prob`, ranking metrics on `score`."""
    y = np.asarray(y, float)
    prob = np.clip(np.nan_to_num(np.asarray(prob, float), nan=float(y.mean())), 0, 1)
    both = 0 < y.sum() < len(y)
    out = {
        "auc": float(roc_auc_score(y, prob)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, prob)) if both else float("nan"),
        "brier": brier(y, prob),
        "bss": brier_skill_score(y, prob),
        "ece": expected_calibration_error(y, prob),
    }
    out.update(ranking_metrics(query, y, score))
    return out
