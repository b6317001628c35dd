"""Model quality on the demo world: seed formula, logistic baseline, LightGBM ranker and the oracle (the world's true
probabilities) on the future test period, with the issue's targets checked.

    python benchmarks/model_quality.py [--tenant acme]          # the demo world (after `benchcrm demo`/seed)
    python benchmarks/model_quality.py --synthetic 10000,2000   # the seeded synthetic world of tests/ml (no DB)

Prints one table (AUC, PR-AUC, Brier, BSS, ECE, MRR@10, Recall@10, Top-5 hit) and the gap to the oracle.
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

from ml.training.dataset import time_split
from ml.training.pipeline import MODEL_ORDER, evaluate, train_models

COLUMNS = ("auc", "pr_auc", "brier", "bss", "ece", "mrr_at_10", "recall_at_10", "top5_hit")


def demo_world(tenant_slug: str):
    from ml.evaluation.oracle_bridge import oracle_probabilities
    from ml.training.source import load_tenant_source
    from warehouse.db import admin_engine
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        tenant_id, source = load_tenant_source(tenant_slug, settings)
    except LookupError as exc:
        raise SystemExit(str(exc)) from None
    frame = source.frame()
    split = time_split(frame)
    return split, lambda test: oracle_probabilities(admin_engine(settings), tenant_id, test), {
        "consultants": len(source.consultants), "requirements": len(source.requirements)}


def synthetic_world(spec: str):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ml.features.entities import SkillGraph, consultants_from_records, requirements_from_records
    from ml.training.dataset import build_training_frame
    from tests.ml.synthetic import make_world

    n_cons, n_reqs = (int(x) for x in spec.split(","))
    graph = SkillGraph.from_taxonomy(curated=True)
    world = make_world(graph, n_consultants=n_cons, n_requirements=n_reqs, per_requirement=12, seed=11)
    frame = build_training_frame(requirements_from_records(world.requirements, graph),
                                 consultants_from_records(world.consultants, graph), world.submissions, graph)
    truth = dict(zip(map(str, world.submissions.submission_id), world.p_true, strict=True))
    return time_split(frame), lambda test: np.array([truth[s] for s in test["submission_id"]]), {
        "consultants": n_cons, "requirements": n_reqs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="acme")
    parser.add_argument("--synthetic", default=None, help="consultants,requirements of the synthetic test world")
    args = parser.parse_args()
    started = time.perf_counter()
    split, oracle_for, sizes = synthetic_world(args.synthetic) if args.synthetic else demo_world(args.tenant)
    models = train_models(split)
    oracle = oracle_for(split.test)
    ev = evaluate(models, split.test, oracle)
    d = split.describe()
    print(f"world: {'synthetic ' + args.synthetic if args.synthetic else 'demo tenant ' + args.tenant} "
          f"({sizes['consultants']} consultants, {sizes['requirements']} requirements with outcomes)")
    print(f"pairs: train {d['train_rows']}, validation {d['valid_rows']}, test (future period) {d['test_rows']}; "
          f"test advance rate {d['test_positive_rate']:.3f}; test queries {ev.metrics['lightgbm']['queries']}")
    print(f"calibrator: {models.ranker.calibrator.kind} (validation Brier "
          + ", ".join(f"{k} {v:.4f}" for k, v in models.calibration_briers.items()) + ")")
    header = f"{'model':<14}" + "".join(f"{c:>13}" for c in COLUMNS)
    print(header)
    print("-" * len(header))
    for name in MODEL_ORDER:
        if name in ev.metrics:
            print(f"{name:<14}" + "".join(f"{ev.metrics[name][c]:>13.4f}" for c in COLUMNS))
    if oracle is None:
        print("oracle: not available (no demo world in this database)")
    else:
        print("gap to oracle (oracle − lightgbm): " + ", ".join(f"{k} {v:+.4f}" for k, v in ev.gap_to_oracle().items()))
    from ml.evaluation.metrics import bootstrap_differences

    for other in ("logistic", "seed_formula"):
        diffs = bootstrap_differences(ev.queries, ev.labels, ev.predictions["lightgbm"], ev.predictions[other])
        print(f"lightgbm − {other} (paired bootstrap over requirements, 95% CI): " + ", ".join(
            f"{k} {d:+.4f} [{lo:+.4f}, {hi:+.4f}]" for k, (d, lo, hi) in diffs.items()))
    m, s, lg = ev.metrics["lightgbm"], ev.metrics["seed_formula"], ev.metrics["logistic"]
    targets = [
        ("LightGBM MRR@10 > seed formula and logistic", m["mrr_at_10"] > max(s["mrr_at_10"], lg["mrr_at_10"])),
        ("LightGBM Top-5 > seed formula and logistic", m["top5_hit"] > max(s["top5_hit"], lg["top5_hit"])),
        ("Brier <= 0.16", m["brier"] <= 0.16), ("Top-5 hit >= 65%", m["top5_hit"] >= 0.65),
        ("ECE <= 0.03", m["ece"] <= 0.03),
    ]
    if oracle is not None:
        targets.append(("BSS >= half the oracle's", m["bss"] >= 0.5 * ev.metrics["oracle"]["bss"]))
    for text, ok in targets:
        print(f"[{'PASS' if ok else 'FAIL'}] {text}")
    print(f"wall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
