"""Where the gap to the oracle comes from, on the demo world's future test period.

    python benchmarks/model_ceiling.py [--tenant acme]

The world's hidden logit is a sum of named terms (`demo_world.outcome.logit_terms`): some an observable field could
carry (true skill levels, true years, the true budget, the visa policy, ...), some no field carries (interview skill,
client pickiness, requirement difficulty, per-pair chemistry). Two tables:

1. Ceilings: a logistic recalibration of sums of TRUE terms, fitted on the training period — what a model would
   reach if it knew those terms exactly (the oracle row knows all of them).
2. LightGBM on the product's features, alone and with one true term added at a time: how much each term's
   imperfect observability (resume padding, inflated years, vendor rate cuts, unstated visa policies) costs.

Reads the world schema through the owner connection, like the oracle; evaluation only. Prints its figures; no
assertion.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

OBSERVABLE = ("skill", "must_have", "nice", "years", "rate", "location", "visa", "late")


def _metrics(y: np.ndarray, p: np.ndarray) -> str:
    from sklearn.metrics import roc_auc_score

    brier = float(np.mean((p - y) ** 2))
    base = float(y.mean())
    return f"AUC {roc_auc_score(y, p):.4f}   Brier {brier:.4f}   BSS {1 - brier / (base * (1 - base)):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="acme")
    args = parser.parse_args()
    started = time.perf_counter()

    import lightgbm as lgb
    from sklearn.linear_model import LogisticRegression

    from demo_world.oracle import true_inputs
    from demo_world.outcome import logit_terms
    from ml.features.columns import MODEL_FEATURES
    from ml.ranking.trainer import RankerParams, matrix
    from ml.training.dataset import time_split
    from ml.training.source import load_tenant_source
    from warehouse.db import admin_engine
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        tenant_id, source = load_tenant_source(args.tenant, settings)
    except LookupError as exc:
        raise SystemExit(str(exc)) from None
    split = time_split(source.frame())
    # Ceilings learn on train + validation, like the final ranker; everything is scored on the test period.
    fit = split.train.vstack(split.valid)
    test = split.test

    def terms(frame):
        pairs = list(zip(frame["requirement_id"], frame["consultant_id"], strict=True))
        with admin_engine(settings).connect() as conn:
            return logit_terms(true_inputs(conn, tenant_id=tenant_id, pairs=pairs))

    t_fit, t_test = terms(fit), terms(test)
    y_fit, y_test = fit["label"].to_numpy(), test["label"].to_numpy()

    def ceiling(names: tuple[str, ...]) -> np.ndarray:
        x_fit = np.sum([t_fit[n] for n in names], axis=0)[:, None]
        x_test = np.sum([t_test[n] for n in names], axis=0)[:, None]
        return LogisticRegression(C=100.0).fit(x_fit, y_fit).predict_proba(x_test)[:, 1]

    latent = tuple(n for n in t_test if n.startswith("latent_"))
    print(f"demo tenant {args.tenant}: fit on {len(y_fit)} pairs (train + validation), test {len(y_test)} pairs, "
          f"test advance rate {y_test.mean():.3f}")
    print("\n1. Ceilings (logistic recalibration of TRUE logit terms)")
    rows = [("oracle (every term)", tuple(t_test)),
            ("true observable terms only", ("intercept", *OBSERVABLE)),
            ("  + client pickiness", ("intercept", *OBSERVABLE, "latent_pickiness")),
            ("  + interview skill", ("intercept", *OBSERVABLE, "latent_pickiness", "latent_interview_skill")),
            ("  + requirement difficulty", ("intercept", *OBSERVABLE, "latent_pickiness", "latent_interview_skill",
                                            "latent_difficulty"))]
    for label, names in rows:
        print(f"   {label:<32} {_metrics(y_test, ceiling(names))}")
    print("   term spread on the test period (sd of the logit term): "
          + ", ".join(f"{n} {t_test[n].std():.2f}" for n in (*OBSERVABLE, *latent)))

    p = RankerParams()
    x_fit, x_test = matrix(fit, MODEL_FEATURES), matrix(test, MODEL_FEATURES)
    # Rounds fixed (no early stopping on the test period): the final ranker's typical count on this world.
    rounds = 500

    def lightgbm(extra: tuple[str, ...]) -> np.ndarray:
        a = np.column_stack([x_fit, *[t_fit[n] for n in extra]]) if extra else x_fit
        b = np.column_stack([x_test, *[t_test[n] for n in extra]]) if extra else x_test
        params = {**p.lightgbm(), "objective": "binary", "metric": "binary_logloss"}
        booster = lgb.train(params, lgb.Dataset(a, label=y_fit), num_boost_round=rounds)
        return booster.predict(b)

    print(f"\n2. LightGBM on the product's {len(MODEL_FEATURES)} features ({rounds} rounds, RankerParams otherwise)")
    print(f"   {'features only':<32} {_metrics(y_test, lightgbm(()))}")
    for name in OBSERVABLE:
        print(f"   {'+ true ' + name:<32} {_metrics(y_test, lightgbm((name,)))}")
    print(f"   {'+ every true observable term':<32} {_metrics(y_test, lightgbm(OBSERVABLE))}")
    print(f"\nwall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
