"""Win-rate history with recency decay and smoothing, strictly from outcomes known before a pair's timestamp.

An outcome is "known" at `outcome_day`: the first interview for a submission that advanced, else its close date (or
the day a silent submission is presumed dead). For a pair at day t only events with outcome_day < t count, so a
pair's own outcome, and anything after it, can never leak into its features.

Vectorized: events are sorted by (key, outcome_day); a pair's decayed sums come from cumulative sums at a
searchsorted position, using exp(-(t - t_e)/tau) = exp(-t/tau) · exp(t_e/tau) around a reference day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HALF_LIFE_DAYS = 180.0
SMOOTHING_CONSULTANT = 3.0
SMOOTHING_CLIENT = 5.0
DEFAULT_PRIOR = 0.25


@dataclass(frozen=True)
class OutcomeEvents:
    consultant_key: list[str]
    client_key: list[str | None]
    outcome_day: np.ndarray
    label: np.ndarray  # 1.0 advanced, 0.0 not

    @classmethod
    def empty(cls) -> OutcomeEvents:
        return cls([], [], np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.consultant_key)


class _KeyedDecaySums:
    """For queries (key, t): decayed count and decayed positives of events with that key and outcome_day < t."""

    def __init__(self, keys: Sequence[str | None], days: np.ndarray, labels: np.ndarray, tau: float) -> None:
        valid = np.array([k is not None for k in keys], dtype=bool) & np.isfinite(days)
        self.tau = tau
        self.codes: dict[str, int] = {}
        codes = np.array([self.codes.setdefault(k, len(self.codes)) if ok else -1
                          for k, ok in zip(keys, valid, strict=True)], dtype=np.int64)
        days, labels, codes = days[valid], labels[valid], codes[valid]
        self.ref = float(np.nanmax(days)) if len(days) else 0.0
        order = np.lexsort((days, codes))
        self.codes_sorted = codes[order]
        self.days_sorted = days[order]
        w = np.exp((self.days_sorted - self.ref) / tau)
        self.cum_w = np.concatenate([[0.0], np.cumsum(w)])
        self.cum_wy = np.concatenate([[0.0], np.cumsum(w * labels[order])])

    def query(self, keys: Sequence[str | None], days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        codes = np.array([self.codes.get(k, -2) if k is not None else -2 for k in keys], dtype=np.int64)
        n = len(codes)
        if len(self.codes_sorted) == 0 or n == 0:
            return np.zeros(n), np.zeros(n)
        # Composite sort key: events of code c live in [start(c), end(c)); search the day within that block.
        start = np.searchsorted(self.codes_sorted, codes, side="left")
        end = np.searchsorted(self.codes_sorted, codes, side="right")
        found = end > start
        # Binary search on the block per query: vectorized by offsetting days with the code (blocks are sorted).
        big = (np.nanmax(np.abs(self.days_sorted)) + np.nanmax(np.abs(np.nan_to_num(days))) + 10.0) * 4
        composite = self.codes_sorted * big + self.days_sorted
        q = np.where(found, codes * big + np.nan_to_num(days, nan=-np.inf), 0.0)
        pos = np.where(found, np.searchsorted(composite, q, side="left"), start)
        pos = np.clip(pos, start, end)
        scale = np.exp((self.ref - np.nan_to_num(days, nan=self.ref)) / self.tau)
        sw = (self.cum_w[pos] - self.cum_w[start]) * scale
        swy = (self.cum_wy[pos] - self.cum_wy[start]) * scale
        return np.where(found, sw, 0.0), np.where(found, swy, 0.0)


class HistoryIndex:
    """History features for many pairs at once. Build once per training set or request."""

    def __init__(self, events: OutcomeEvents, *, tau: float = HALF_LIFE_DAYS / np.log(2)) -> None:
        days = np.asarray(events.outcome_day, dtype=np.float64)
        labels = np.asarray(events.label, dtype=np.float64)
        self._consultant = _KeyedDecaySums(events.consultant_key, days, labels, tau)
        self._client = _KeyedDecaySums(events.client_key, days, labels, tau)
        # The prior (base rate) is also only from earlier outcomes: undecayed cumulative mean.
        order = np.argsort(days, kind="stable")
        self._prior_days = days[order]
        self._prior_cum = np.concatenate([[0.0], np.cumsum(labels[order])])

    def prior(self, days: np.ndarray) -> np.ndarray:
        n = np.searchsorted(self._prior_days, np.nan_to_num(days, nan=np.inf), side="left")
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = (self._prior_cum[n] + DEFAULT_PRIOR * 20) / (n + 20)  # shrink early priors to the default
        return rate

    def features(self, consultant_keys: Sequence[str], client_keys: Sequence[str | None],
                 days: np.ndarray) -> dict[str, np.ndarray]:
        prior = self.prior(days)
        cw, cwy = self._consultant.query(consultant_keys, days)
        kw, kwy = self._client.query(client_keys, days)
        c_rate = (cwy + SMOOTHING_CONSULTANT * prior) / (cw + SMOOTHING_CONSULTANT)
        k_rate = (kwy + SMOOTHING_CLIENT * prior) / (kw + SMOOTHING_CLIENT)
        client_known = np.array([k is not None for k in client_keys], dtype=bool)
        k_rate = np.where(client_known, k_rate, np.nan)
        # Factor value: relative to the base rate, 0.5 = average; either side weighted out when it has no history.
        c_val = np.where(cw > 0, c_rate / (c_rate + prior), np.nan)
        k_val = np.where(kw > 0, k_rate / (k_rate + prior), np.nan)
        w_c, w_k = np.where(cw > 0, 0.6, 0.0), np.where(kw > 0, 0.4, 0.0)
        total = w_c + w_k
        score = np.where(total > 0, (np.nan_to_num(c_val) * w_c + np.nan_to_num(k_val) * w_k) / np.where(
            total > 0, total, 1.0), np.nan)
        return {
            "consultant_win_rate": c_rate, "consultant_n_prior": cw,
            "client_win_rate": k_rate, "client_n_prior": kw, "history_score": score, "base_rate": prior,
        }
