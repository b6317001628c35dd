"""Population Stability Index with reference-quantile bins; unknown values (NaN) get their own bin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

PSI_WARN, PSI_ALERT = 0.1, 0.25
_EPS = 1e-4


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    ref = np.asarray(reference, float)
    cur = np.asarray(current, float)
    if len(ref) == 0 or len(cur) == 0:
        return 0.0
    finite = ref[np.isfinite(ref)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1))) if len(finite) else np.array([0.0])
    inner = edges[1:-1]

    def shares(x: np.ndarray) -> np.ndarray:
        known = np.isfinite(x)
        counts = np.bincount(np.searchsorted(inner, x[known], side="right"), minlength=len(inner) + 1)
        out = np.append(counts, (~known).sum()).astype(float)
        return np.maximum(out / len(x), _EPS)

    r, c = shares(ref), shares(cur)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_table(reference: pl.DataFrame, current: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    rows = [{"feature": c, "psi": psi(reference[c].to_numpy(), current[c].to_numpy())} for c in columns]
    return pl.DataFrame(rows).sort("psi", descending=True)


def history_features(features: list[str]) -> list[str]:
    """Features built from outcomes before each pair (win rates, counts of prior submissions). They fill in as a
    tenant's history accumulates, so between an early and a later period their PSI measures the tenant's age, not a
    shift in the market: reported, but not alarmed on."""
    from ml.features.columns import FACTOR_OF_FEATURE

    return [f for f in features if FACTOR_OF_FEATURE.get(f) == "history"]


def drift_summary(reference: pl.DataFrame, current: pl.DataFrame, features: list[str]) -> tuple[pl.DataFrame, dict]:
    """(PSI per feature, sorted, with a `monitored` flag; summary: the worst monitored feature and the worst
    history feature)."""
    table = psi_table(reference, current, features)
    history = set(history_features(features))
    table = table.with_columns(pl.Series("monitored", [f not in history for f in table["feature"]]))
    watched, warm_up = table.filter(pl.col("monitored")), table.filter(~pl.col("monitored"))
    summary = {
        "max_feature_psi": float(watched["psi"].max()) if watched.height else 0.0,
        "top_feature": watched["feature"][0] if watched.height else None,
        "max_history_psi": float(warm_up["psi"].max()) if warm_up.height else 0.0,
        "top_history_feature": warm_up["feature"][0] if warm_up.height else None,
    }
    return table, summary


def evidently_report(reference: pl.DataFrame, current: pl.DataFrame, columns: list[str], path: Path) -> Path:
    """Evidently's data drift preset as a standalone HTML file."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    report = Report([DataDriftPreset()])
    snapshot = report.run(current_data=current.select(columns).to_pandas(),
                          reference_data=reference.select(columns).to_pandas())
    snapshot.save_html(str(path))
    return path


def win_rate_over_time(frame: pl.DataFrame, period_days: int = 28) -> pl.DataFrame:
    """Advance rate of submissions per period (by submission day)."""
    return (frame.with_columns((pl.col("as_of_day") // period_days * period_days).alias("period_start_day"))
            .group_by("period_start_day").agg(pl.col("label").mean().alias("win_rate"), pl.len().alias("n"))
            .sort("period_start_day"))
