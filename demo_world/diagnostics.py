"""How much of the hidden process can be learned from observable fields: the world's own sanity check.

`observable_pairs` builds, for every historical submission, the features a perfect extractor and a perfect skill
normalizer could give a model (consultant profile as stored in crm, requirement fields as the origin email states
them, the client's advance rate in the training fold), and `observable_gap` fits a gradient-boosted model on a
split by requirement and compares its AUC with the oracle's on the same held-out submissions. A healthy world has
the oracle clearly ahead (latent factors) and the model clearly above 0.5 (learnable).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from demo_world import vocab
from demo_world.metrics import roc_auc
from demo_world.model import World
from ml.features.geo import haversine_mi
from ml.taxonomy import load_taxonomy
from ml.taxonomy.catalog import alias_key

FEATURES = ("req_overlap", "nice_overlap", "years_gap", "rate_ratio", "submitted_ratio", "work_mode",
            "distance", "tz_diff", "relocate", "remote_ok", "visa_ok", "late_days", "n_skills", "years",
            "client_rate", "client_n", "hourly_rate")


@dataclass(frozen=True)
class GapReport:
    model_auc: float
    oracle_auc: float
    seed_formula_auc: float
    n_train: int
    n_test: int

    @property
    def gap(self) -> float:
        return self.oracle_auc - self.model_auc


def observable_pairs(world: World) -> pl.DataFrame:
    """One row per submission: observable features, the label and the oracle's probability (for comparison)."""
    aliases = load_taxonomy().alias_map  # a property that rebuilds the map on each access: read it once
    cons = world.frame("crm.consultant").select(
        "id", "years_experience", "lat", "lon", "timezone", "willing_to_relocate", "remote_ok", "hourly_rate",
        "visa_status", "available_from")
    skills: dict = {}
    for row in world.tables["crm.consultant_skill"].rows:
        canonical = aliases.get(alias_key(row[4]))
        if canonical:
            skills.setdefault(str(row[2]), set()).add(canonical)
    gold = {str(r[2]): json.loads(r[5]) for r in world.tables["world.message_truth"].rows if r[3]}
    req = world.frame("crm.requirement").select("id", "client_company_id", "received_at")
    subs = world.frame("crm.submission").select("id", "consultant_id", "requirement_id", "submitted_rate")
    truth = world.frame("world.submission_truth").select(pl.col("submission_id").alias("id"), "p_advance",
                                                         "advanced")
    df = (subs.join(truth, on="id").join(cons, left_on="consultant_id", right_on="id")
          .join(req, left_on="requirement_id", right_on="id"))
    metro = {(m[0], m[1]): m for m in vocab.METROS}
    tz_by_label = {"EST": -5, "CST": -6, "MST": -7, "PST": -8}
    rows = []
    for r in df.iter_rows(named=True):
        g = gold[r["requirement_id"]]
        have = skills.get(r["consultant_id"], set())
        req_sk = [s["canonical"] for s in g["skills"] if s["required"]]
        nice_sk = [s["canonical"] for s in g["skills"] if not s["required"]]
        loc = g["location"]
        m = metro.get((loc["city"], loc["state"]))
        distance = float(haversine_mi(np.array(r["lat"]), np.array(r["lon"]), np.array(m[2]), np.array(m[3]))) \
            if m else np.nan
        tz = vocab.TZ_OFFSET[r["timezone"]]
        req_tz = vocab.TZ_OFFSET[m[4]] if m else tz_by_label.get(loc.get("timezone_label") or "", np.nan)
        rate = g["rate"]["hourly_usd"] if g["rate"] else np.nan
        start = (np.datetime64(g["start_date"]) if g["start_date"]
                 else np.datetime64(r["received_at"].date()) + np.timedelta64(25, "D"))
        rows.append({
            "requirement_id": r["requirement_id"], "client_id": r["client_company_id"],
            "advanced": bool(r["advanced"]), "p_advance": r["p_advance"],
            "req_overlap": np.mean([s in have for s in req_sk]) if req_sk else np.nan,
            "nice_overlap": np.mean([s in have for s in nice_sk]) if nice_sk else np.nan,
            "years_gap": float(r["years_experience"]) - g["min_years"] if g["min_years"] is not None else np.nan,
            "rate_ratio": float(r["hourly_rate"]) / rate, "submitted_ratio": float(r["submitted_rate"]) / rate,
            "work_mode": ["onsite", "hybrid", "remote"].index(loc["work_mode"]),
            "distance": distance, "tz_diff": abs(tz - req_tz), "relocate": float(r["willing_to_relocate"]),
            "remote_ok": float(r["remote_ok"]),
            "visa_ok": float(r["visa_status"] in g["visa_accepted"]) if g["visa_accepted"] else np.nan,
            "late_days": float((np.datetime64(r["available_from"]) - start).astype(int)),
            "n_skills": float(len(have)), "years": float(r["years_experience"]), "hourly_rate": float(r["hourly_rate"]),
        })
    return pl.DataFrame(rows)


def _seed_formula(df: pl.DataFrame) -> np.ndarray:
    """The product plan's explainable seed formula on the same observables (a baseline, not the world's process)."""
    skills = df["req_overlap"].fill_nan(0).to_numpy()
    location = np.where(df["work_mode"].to_numpy() == 2, 1.0,
                        np.clip(1 - df["distance"].fill_nan(0).to_numpy() / 200, 0, 1))
    rate = np.clip(1.5 - df["rate_ratio"].fill_nan(1).to_numpy(), 0, 1)
    seniority = np.clip(1 + df["years_gap"].fill_nan(0).to_numpy() / 5, 0, 1)
    availability = np.clip(1 - df["late_days"].to_numpy() / 60, 0, 1)
    return 0.40 * skills + 0.20 * location + 0.15 * rate + 0.10 * seniority + 0.05 * availability


def observable_gap(world: World, *, test_fraction: float = 0.3, seed: int = 0) -> GapReport:
    """Fit a gradient-boosted model on observables (split by requirement); compare with the oracle on the test part."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    df = observable_pairs(world)
    reqs = df["requirement_id"].unique().sort()
    rng = np.random.default_rng(seed)
    test_reqs = rng.choice(reqs.to_list(), size=int(len(reqs) * test_fraction), replace=False).tolist()
    df = df.with_columns(pl.col("requirement_id").is_in(test_reqs).alias("is_test"))
    train = df.filter(~pl.col("is_test"))
    # client history as a feature: advance rate and volume in the training fold only (smoothed)
    base = float(train["advanced"].mean())
    client = train.group_by("client_id").agg(pl.col("advanced").sum().alias("k"), pl.len().alias("n"))
    client = client.with_columns(((pl.col("k") + 10 * base) / (pl.col("n") + 10)).alias("client_rate"))
    df = df.join(client.select("client_id", "client_rate", pl.col("n").alias("client_n")), on="client_id",
                 how="left").with_columns(pl.col("client_rate").fill_null(base), pl.col("client_n").fill_null(0))
    is_test = df["is_test"].to_numpy()
    x = df.select(FEATURES).to_numpy().astype(float)
    y = df["advanced"].to_numpy()
    model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15,
                                           l2_regularization=1.0, random_state=seed)
    with threadpool_limits(1):  # OpenMP threads thrash on a shared 2-core machine; one is faster here
        model.fit(x[~is_test], y[~is_test])
        scores = model.predict_proba(x[is_test])[:, 1]
    return GapReport(
        model_auc=roc_auc(y[is_test], scores),
        oracle_auc=roc_auc(y[is_test], df["p_advance"].to_numpy()[is_test]),
        seed_formula_auc=roc_auc(y[is_test], _seed_formula(df)[is_test]),
        n_train=int((~is_test).sum()), n_test=int(is_test.sum()))
