"""The Python a recommendation spends after its reads (issue 12): `ml.matching.service._rank` — the request's skill
graph, the entity arrays, the pair features, the score, and the top k's snapshots, factors and reasons — with the
base's code (`git archive` of --base, default main, imported as `ml_base`) and this tree's, interleaved on the same
inputs, and whether the two agree bit for bit (every float of every item, reason text, snapshot key order).

The inputs are captured once from the tenant that `benchmarks/api_latency.py` loads (run it first with the same
--data-dir): the records, cosines and outcome events each anchor's `_rank` received, both directions, through a warm
ranking cache. Both variants are then served the captured outcome events and the tenant's visa mix, so only Python
is timed. Two models: the tenant's own (the seed formula when it has none, as the API would), and a LightGBM ranker
fitted here on the captured pairs against a fixed rule (only to run the model path: a frame and SHAP contributions).

    python benchmarks/ranking_python.py --data-dir /tmp/featfast-10k [--anchors 60] [--rounds 5] [--base main]
        [--pool 3]
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import io
import math
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIRECTIONS = ("requirement_to_consultants", "consultant_to_requirements")


def import_base(ref: str, folder: Path):
    """The `ml` package at git `ref`, importable as `ml_base` (its own imports of `ml` rewritten)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "ml"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "ml").rename(folder / "ml_base")
    for path in (folder / "ml_base").rglob("*.py"):
        source = path.read_text()
        path.write_text(re.sub(r"\b(from|import) ml(?=[.\s])", r"\1 ml_base", source))
    sys.path.insert(0, str(folder))
    from ml_base.features import entities, history
    from ml_base.matching import service

    return service, entities, history


def capture(settings, tenant, anchors: dict, model) -> list[tuple[str, dict, object]]:
    """(direction, `_rank`'s keyword arguments without the connection, the outcome events it read) per anchor."""
    from ml.matching import service
    from ml.matching.tenant_cache import TenantCache
    from warehouse.db import app_engine, tenant_tx

    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    captured, current = [], {}
    rank, load = service._rank, service.load_outcome_events

    def recording_rank(conn, **kwargs):
        out = rank(conn, **kwargs)
        current["kwargs"] = {k: v for k, v in kwargs.items() if k not in ("cache", "model", "timings")}
        return out

    def recording_load(conn, **kwargs):
        current["events"] = load(conn, **kwargs)
        return current["events"]

    service._rank, service.load_outcome_events = recording_rank, recording_load
    try:
        with tenant_tx(tenant, app_engine(settings)) as conn:
            for direction, ids in anchors.items():
                for anchor in ids:  # the first pass fills the cache; the second is what is captured
                    service.recommend(conn, direction, tenant_id=tenant, anchor_id=anchor, cache=cache, model=model)
                for anchor in ids:
                    service.recommend(conn, direction, tenant_id=tenant, anchor_id=anchor, cache=cache, model=model)
                    captured.append((direction, current["kwargs"], current["events"]))
            service._tenant_visa_rates(conn, captured[0][1]["tenant"])  # cached for both variants below
    finally:
        service._rank, service.load_outcome_events = rank, load
    return captured


def pooled(captured, k: int) -> list[tuple[str, dict, object]]:
    """Requirement rankings over the distinct candidates of `k` captured ones each (the first one's anchor)."""
    import numpy as np

    from ml.features.history import OutcomeEvents

    wanted = [c for c in captured if c[0] == DIRECTIONS[0]]
    out = []
    for start in range(0, len(wanted) - k + 1, k):
        group = wanted[start:start + k]
        seen, records, cosine = set(), [], []
        for _, kw, _ in group:
            for record, cos in zip(kw["cons_records"], kw["cosine"], strict=True):
                if record["id"] not in seen:
                    seen.add(record["id"])
                    records.append(record)
                    cosine.append(cos)
        events = [e for _, _, e in group]
        merged = OutcomeEvents([key for e in events for key in e.consultant_key],
                               [key for e in events for key in e.client_key],
                               np.concatenate([e.outcome_day for e in events]),
                               np.concatenate([e.label for e in events]))
        out.append((DIRECTIONS[0], {**group[0][1], "cons_records": records, "cosine": np.array(cosine)}, merged))
    return out


def fitted_model(captured):
    """A LightGBM ranker and Platt calibrator fitted on the captured pairs' features against a fixed rule."""
    import lightgbm as lgb
    import numpy as np

    from ml.calibration.calibrators import fit_platt
    from ml.features.columns import MODEL_FEATURES
    from ml.features.entities import consultants_from_records, requirements_from_records
    from ml.features.history import HistoryIndex
    from ml.features.pairs import compute_pair_features
    from ml.ranking.bundle import RankerBundle

    frames = []
    for _, kw, events in captured:
        graph = kw["graph"].for_records(kw["reqs_records"], kw["cons_records"])
        reqs = requirements_from_records(kw["reqs_records"], graph)
        cons = consultants_from_records(kw["cons_records"], graph)
        if not len(reqs) or not len(cons):
            continue
        n = max(len(reqs), len(cons))
        ri = np.zeros(n, dtype=np.int64) if len(reqs) == 1 else np.arange(n)
        ci = np.zeros(n, dtype=np.int64) if len(cons) == 1 else np.arange(n)
        frames.append(compute_pair_features(reqs, cons, ri, ci, 20000.0, graph=graph, history=HistoryIndex(events),
                                            cosine=kw["cosine"]))
    x = np.vstack([np.column_stack([f[c].to_numpy() for c in MODEL_FEATURES]) for f in frames])
    skills = x[:, list(MODEL_FEATURES).index("skills_score")]
    y = (np.nan_to_num(skills) + 0.3 * np.nan_to_num(x[:, list(MODEL_FEATURES).index("role_score")]) > 0.5)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 15, "seed": 7},
                        lgb.Dataset(x, y.astype(float)), num_boost_round=30)
    raw = booster.predict(x, raw_score=True)
    return RankerBundle(booster=booster, calibrator=fit_platt(raw, y.astype(float)), features=list(MODEL_FEATURES),
                        version="bench-fitted")


def _bits(value):
    """A comparable form: floats by their bits, dataclasses and containers element by element, dict key order
    included."""
    if isinstance(value, float):
        return ("f", struct.pack("<d", value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ("d", tuple((f.name, _bits(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, dict):
        return ("m", tuple((k, _bits(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("l", tuple(_bits(v) for v in value))
    return ("v", type(value).__name__, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--anchors", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--base", default="main", help="git ref of the code to compare with")
    parser.add_argument("--pool", type=int, default=1, metavar="K",
                        help="requirement rankings with the candidates of K captured ones each (distinct; their "
                             "outcome events together): the candidate counts of a bigger tenant")
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import sqlalchemy as sa

    from ml.matching import service
    from ml.matching.champion import TenantModels
    from warehouse.db import admin_engine
    from warehouse.settings import get_settings

    settings = get_settings()
    with admin_engine(settings).connect() as conn:
        tenant = conn.execute(sa.text("select id from crm.tenant where slug = 'bench-latency'")).scalar_one()
        anchors = {
            "requirement_to_consultants": conn.execute(sa.text(
                "select id from crm.requirement where tenant_id = :t and status = 'open' order by id limit :n"),
                {"t": tenant, "n": args.anchors}).scalars().all(),
            "consultant_to_requirements": conn.execute(sa.text(
                "select id from crm.consultant where tenant_id = :t and status in ('bench', 'marketing') "
                "order by id limit :n"), {"t": tenant, "n": args.anchors}).scalars().all(),
        }
    own_model = TenantModels(settings).get(tenant)
    captured = capture(settings, tenant, anchors, own_model)
    if args.pool > 1:
        captured = pooled(captured, args.pool)
    rates = service._visa_rates_cache[captured[0][1]["tenant"]][1]
    folder = Path(tempfile.mkdtemp(prefix="ranking-python-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    base, base_entities, base_history = import_base(args.base, folder)
    base_rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.base], capture_output=True,
                              text=True).stdout.strip()
    own_rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
    graph = captured[0][1]["graph"]
    base_graph = base_entities.SkillGraph(ids=graph.ids, names=graph.names, parents=graph.parents)
    served: dict = {}
    for module in (service, base):  # history and the visa mix from the capture: only Python is timed
        module.load_outcome_events = lambda conn, **kw: served["events"]
        module._visa_rates_cache[captured[0][1]["tenant"]] = (time.monotonic() + 1e9, rates)
    directions = [d for d in DIRECTIONS if any(dd == d for dd, _, _ in captured)]
    sizes = {d: statistics.fmean(len(kw["cons_records" if d == DIRECTIONS[0] else "reqs_records"])
                                 for dd, kw, _ in captured if dd == d) for d in directions}
    print(f"{len(captured)} captured rankings on {args.data_dir}: mean candidates "
          + ", ".join(f"{d} {sizes[d]:.0f}" for d in directions) + f"; base {args.base} ({base_rev}) vs HEAD "
          f"({own_rev}) plus the working tree")
    models = [(getattr(own_model, "version", None) or "seed formula (the tenant's)", own_model),
              ("lightgbm fitted here", fitted_model(captured))]
    for label, model in models:
        times = {(v, d, s): [] for v in ("base", "new") for d in directions for s in ("history_ms", "score_ms")}
        agree = total = 0
        for round_no in range(args.rounds):
            for k, (direction, kw, events) in enumerate(captured):
                variants = [("base", base, base_graph, base_history.OutcomeEvents(
                    events.consultant_key, events.client_key, events.outcome_day, events.label)),
                            ("new", service, graph, events)]
                if (k + round_no) % 2:  # alternate which goes first
                    variants.reverse()
                results = {}
                for name, module, g, ev in variants:
                    served["events"] = ev
                    timings: dict[str, float] = {}
                    results[name] = module._rank(None, **{**kw, "graph": g}, model=model, timings=timings,
                                                 cache=None)
                    for stage in ("history_ms", "score_ms"):
                        times[name, direction, stage].append(timings[stage])
                if round_no == 0:
                    total += 1
                    agree += _bits(results["base"]) == _bits(results["new"])
        print(f"\nmodel: {label}; {args.rounds} rounds, interleaved; mean ms per ranking (p95)"
              "   [history_ms here = skill graph + entity arrays (the outcome events are served from memory)]")
        print(f"{'direction':<28} {'stage':<11} {'base':>16} {'new':>16} {'ratio':>7}")
        for direction in directions:
            for stage in ("history_ms", "score_ms", "both"):
                cells = {}
                for v in ("base", "new"):
                    series = (times[v, direction, stage] if stage != "both" else
                              [a + b for a, b in zip(times[v, direction, "history_ms"], times[v, direction,
                                                                                           "score_ms"], strict=True)])
                    ordered = sorted(series)
                    cells[v] = (statistics.fmean(series), ordered[math.ceil(0.95 * len(ordered)) - 1])
                print(f"{direction:<28} {stage:<11} "
                      + " ".join(f"{cells[v][0]:7.2f} ({cells[v][1]:6.2f})" for v in ("base", "new"))
                      + f" {cells['base'][0] / cells['new'][0]:6.2f}x")
        print(f"identical results (items, floats by their bits, reasons, snapshots; version; eligible): "
              f"{agree}/{total}")


if __name__ == "__main__":
    main()
