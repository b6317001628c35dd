"""Embedding backends compared on what the product ranks with: throughput on the same texts and the AUCs that move.

    python benchmarks/embedding_quality.py [--data-dir /tmp/embq] [--consultants 4000] [--requirements 800]
                                           [--shared-data ../shared/data] [--candidate onnx-int8] [--threads 2]
                                           [--prior-seeds 8] [--reuse-vectors]

In one run, for torch (sentence-transformers, fp32) and the candidate backend of the same shipped weights:
1. Throughput: every distinct text below (the demo world's requirement and consultant embedding texts, the real
   pairs' texts) through `Embedder.encode` in blocks, the two backends alternating block by block (the machine is
   shared: alternation spreads its load over both), chunk pieces per CPU second and per wall second. The vectors are
   saved in the data folder; `--reuse-vectors` skips this part and reruns the rest on them.
2. Demo world (seeded into `--data-dir` with `benchcrm seed`'s loader and parsed once by the ingest pipeline, the
   first time; a tenant already there is reused): each backend's vectors go into the training frame in place of
   stored ones, then the product's recipe — time split, LightGBM ranker (+ logistic and seed formula), the cold-start
   prior — refit per backend, and the torch-fitted ranker scoring the candidate's vectors (the vectors alone); AUCs
   on the held-out future period, plus the cosine feature's AUC on every submission.
3. resume_jd_fit_dev (`<shared-data>/resume_jd_fit_dev/pairs.csv`): the offline scoring path's features with each
   backend's vectors; AUC of the cosine feature, the role factor, the seed formula, the torch-fitted prior and each
   backend's own prior, and — because one refit of the prior moves its AUC on 268 pairs by more than the bound — the
   prior refit with `--prior-seeds` seeds per backend (mean, spread, per-seed difference).
Every AUC is printed for both backends with the difference and a paired bootstrap 95 % interval of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TENANT = "acme"
BLOCK = 128  # texts per timed block; the backends alternate block by block


@dataclass
class Clock:
    wall: float = 0.0
    cpu: float = 0.0
    pieces: int = 0
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


def prepare_world(consultants: int, requirements: int, seed: int) -> None:
    """Seed the demo world unless the data folder has it, and run the ingest steps the training frame needs (parse,
    extract, normalize: each only does what is still pending)."""
    import cli.main  # noqa: F401  (registers the commands; cli.seed imports it)
    from cli.seed import seed_world
    from ml.ai.embeddings import Embedder
    from ml.ingest import pipeline
    from warehouse.db import admin_engine, tenant_tx
    from warehouse.repositories.tenants import tenant_id_for

    started = time.perf_counter()
    with admin_engine().connect() as conn:
        tenant_id = tenant_id_for(conn, TENANT)
    if tenant_id is None:
        tenant_id = seed_world(tenant=TENANT, consultants=consultants, requirements=requirements,
                               seed=seed)["tenant_id"]
    embedder = Embedder(backend="torch")  # the parse step's dedupe vectors; the same rows serve both backends below
    stats = pipeline.PendingStats()
    with tenant_tx(tenant_id) as conn:
        pipeline.backfill_dedupe_keys(conn)
    while True:
        before = stats.processed
        with tenant_tx(tenant_id) as conn:
            pipeline.process_pending(conn, tenant_id=tenant_id, limit=200, embedder=embedder, stats=stats)
        if stats.processed == before:
            break
    with tenant_tx(tenant_id) as conn:
        pipeline.extract_pending_requirements(conn, tenant_id=tenant_id)
        pipeline.normalize_skills(conn)
    print(f"world ready: {stats.processed} messages parsed now {stats.by_status} "
          f"({time.perf_counter() - started:.0f} s)")


def world_texts(source) -> tuple[list[str], list[str]]:
    """The embedding text of each requirement and consultant of the training source, as the embed assets build it."""
    from ml.ingest.pipeline import _consultant_embedding_text, _requirement_embedding_text
    from warehouse.db import admin_engine, tenant_tx
    from warehouse.repositories import consultants as consultant_repo
    from warehouse.repositories import requirements as requirement_repo
    from warehouse.repositories.tenants import tenant_id_for

    with admin_engine().connect() as conn:
        tenant_id = tenant_id_for(conn, TENANT)
    with tenant_tx(tenant_id) as conn:
        reqs = {str(r.id): _requirement_embedding_text(r) for r in requirement_repo.embedding_inputs(conn)}
        cons = {str(r.id): _consultant_embedding_text(r) for r in consultant_repo.embedding_inputs(conn)}
    return [reqs[str(i)] for i in source.requirements.ids], [cons[str(i)] for i in source.consultants.ids]


def time_backends(embedders: dict, texts: list[str]) -> dict[str, Clock]:
    from ml.ai.embeddings import chunk_texts

    clocks = {name: Clock() for name in embedders}
    names = list(embedders)
    for b, start in enumerate(range(0, len(texts), BLOCK)):
        block = texts[start:start + BLOCK]
        pieces = len(chunk_texts(block)[0])
        for name in names if b % 2 == 0 else names[::-1]:
            wall, cpu = time.perf_counter(), time.process_time()
            vectors = embedders[name].encode(block)
            clock = clocks[name]
            clock.wall += time.perf_counter() - wall
            clock.cpu += time.process_time() - cpu
            clock.pieces += pieces
            clock.vectors.update(zip(block, vectors, strict=True))
    return clocks


def print_throughput(clocks: dict[str, Clock], names: tuple[str, str], texts: list[str], n_reqs: int, n_cons: int,
                     n_pairs: int, threads: int) -> None:
    base, cand = clocks[names[0]], clocks[names[1]]
    print(f"\n1. throughput: {len(texts)} distinct texts ({base.pieces} chunk pieces: world "
          f"{n_reqs} requirements + {n_cons} consultants, {n_pairs} real pairs), "
          f"{threads} threads, blocks of {BLOCK} alternating")
    for name, c in clocks.items():
        print(f"  {name:<10} wall {c.wall:7.1f} s  cpu {c.cpu:7.1f} s  {c.pieces / c.wall:6.1f} pieces/s  "
              f"{c.pieces / c.cpu:6.1f} pieces per cpu-s")
    print(f"  ratio {names[1]} / torch: wall {base.wall / cand.wall:.2f}x, per cpu-s {base.cpu / cand.cpu:.2f}x")
    cos = np.asarray([float(base.vectors[t] @ cand.vectors[t]) for t in texts])
    print(f"  cosine(torch, {names[1]}) per text: min {cos.min():.4f}  p1 {np.percentile(cos, 1):.4f}  "
          f"mean {cos.mean():.5f}")
    print(f"  load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def paired_delta(y: np.ndarray, base: np.ndarray, cand: np.ndarray, n_boot: int, seed: int = 7
                 ) -> tuple[float, float, float, float]:
    """(AUC base, AUC candidate, 2.5 % and 97.5 % quantiles of the candidate - base difference over resampled pairs)."""
    from ml.evaluation.real_pairs import auc_with_unknowns

    rng = np.random.default_rng(seed)
    deltas = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        if len(np.unique(y[idx])) == 2:
            deltas.append(auc_with_unknowns(y[idx], cand[idx]) - auc_with_unknowns(y[idx], base[idx]))
    low, high = np.quantile(deltas, [0.025, 0.975])
    return auc_with_unknowns(y, base), auc_with_unknowns(y, cand), float(low), float(high)


def print_row(label: str, y: np.ndarray, base: np.ndarray, cand: np.ndarray, n_boot: int) -> float:
    a, b, low, high = paired_delta(y, base, cand, n_boot)
    print(f"  {label:<58} {y.size:>6}  {a:.4f}  {b:.4f}  {b - a:+.4f}  [{low:+.4f}, {high:+.4f}]")
    return b - a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "benchcrm-embedding-quality")
    parser.add_argument("--consultants", type=int, default=4000)
    parser.add_argument("--requirements", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--candidate", default="onnx-int8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--prior-seeds", type=int, default=8, help="refits of the prior per backend (refit noise)")
    parser.add_argument("--reuse-vectors", action="store_true",
                        help="skip the timing: the quality part only, on the vectors the last full run saved")
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = str(args.data_dir)
    os.environ["BENCHCRM_SHARED_DATA"] = str(args.shared_data)

    import torch

    from ml.ai.embeddings import Embedder
    from ml.evaluation.oracle_bridge import oracle_probabilities
    from ml.evaluation.real_pairs import labelled_rows
    from ml.extraction import extract_requirement, extract_resume
    from ml.features.entities import SkillGraph
    from ml.features.pairs import factor_matrix
    from ml.matching.offline import text_pair_features
    from ml.scoring.formula import FACTORS, explainable_scores
    from ml.training.dataset import build_training_frame, time_split
    from ml.training.pipeline import evaluate, train_models
    from ml.training.prior import PriorParams, fit_prior, hidden_test_metrics
    from ml.training.source import load_tenant_source
    from warehouse.db import admin_engine
    from warehouse.settings import get_settings

    torch.set_num_threads(args.threads)
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(2 cores, shared; compare within this run)")
    prepare_world(args.consultants, args.requirements, args.seed)
    tenant_id, source = load_tenant_source(TENANT)
    req_texts, con_texts = world_texts(source)
    pairs_path = get_settings().dev_pairs_path
    dev_rows, dev_y = labelled_rows(pairs_path) if pairs_path else ([], np.zeros(0))
    dev_texts = [str(r[k] or "").replace("\x00", " ").strip() for k in ("requirement_text", "resume_text")
                 for r in dev_rows]
    texts = list(dict.fromkeys([*req_texts, *con_texts, *dev_texts]))
    names = ("torch", args.candidate)

    # 1. throughput
    saved = {n: args.data_dir / f"embedding-quality-vectors-{n}.npz" for n in names}
    if args.reuse_vectors:
        clocks = {n: Clock(vectors=dict(zip(texts, np.load(saved[n])["vectors"], strict=True))) for n in names}
        print("\n1. throughput: not measured (--reuse-vectors: the vectors the last full run saved)")
    else:
        with tempfile.TemporaryDirectory() as cache:
            embedders = {n: Embedder(backend=n, cache_dir=Path(cache), threads=args.threads) for n in names}
            started = time.perf_counter()
            for embedder in embedders.values():
                embedder.encode(["warm up"])
            print(f"model loads (+ the ONNX export from the shipped weights, once): "
                  f"{time.perf_counter() - started:.1f} s")
            clocks = time_backends(embedders, texts)
        for n in names:
            np.savez(saved[n], vectors=np.stack([clocks[n].vectors[t] for t in texts]))
        print_throughput(clocks, names, texts, len(req_texts), len(con_texts), len(dev_rows), args.threads)
    # 2. demo world: the product's recipe refit on each backend's vectors, and the torch-fitted models (what serves
    # today) scoring the candidate's vectors, which isolates the vectors from the refit.
    frames, splits, models, evals, priors = {}, {}, {}, {}, {}
    for name in names:
        vec = clocks[name].vectors
        reqs = replace(source.requirements, embeddings=np.stack([vec[t] for t in req_texts]),
                       has_embedding=np.ones(len(req_texts), dtype=bool))
        cons = replace(source.consultants, embeddings=np.stack([vec[t] for t in con_texts]),
                       has_embedding=np.ones(len(con_texts), dtype=bool))
        frames[name] = build_training_frame(reqs, cons, source.submissions, source.graph)
        splits[name] = time_split(frames[name])
        models[name] = train_models(splits[name])
        evals[name] = evaluate(models[name], splits[name].test,
                               oracle_probabilities(admin_engine(), tenant_id, splits[name].test))
        priors[name] = fit_prior(splits[name])
    cand_name = args.candidate
    assert frames["torch"]["submission_id"].to_list() == frames[cand_name]["submission_id"].to_list()
    e0, e1 = evals["torch"], evals[cand_name]
    test0, test1 = splits["torch"].test, splits[cand_name].test
    print(f"\n2. demo world (tenant {TENANT!r}, {len(source.consultants.ids)} consultants, "
          f"{len(source.requirements.ids)} requirements with outcomes): {frames['torch'].height} labelled submissions, "
          f"held-out future period {test0.height} (advance rate {e0.labels.mean():.3f})")
    print(f"  {'AUC of':<58} {'pairs':>6}  {'torch':>6}  {'cand.':>6}  {'delta':>7}  paired 95% interval")
    y = e0.labels
    deltas = {}
    for model in ("lightgbm", "logistic", "seed_formula"):
        deltas[f"world {model}"] = print_row(f"{model}, refit on each backend", y,
                                             e0.predictions[model][0], e1.predictions[model][0], args.bootstrap)
    deltas["world ranker, same model"] = print_row(
        "lightgbm fitted on torch, scoring each backend's vectors", y, e0.predictions["lightgbm"][0],
        models["torch"].ranker.predict(test1).raw, args.bootstrap)
    deltas["world prior"] = print_row("prior, refit on each backend", y, priors["torch"].predict(test0).raw,
                                      priors[cand_name].predict(test1).raw, args.bootstrap)
    hidden = {n: hidden_test_metrics(splits[n].test, {"prior": priors[n]})["prior"]["auc"] for n in names}
    print(f"  {'prior, refit, fields hidden like real input':<58} {y.size:>6}  {hidden['torch']:.4f}  "
          f"{hidden[cand_name]:.4f}  {hidden[cand_name] - hidden['torch']:+.4f}")
    y_all = frames["torch"]["label"].to_numpy()
    deltas["world cosine"] = print_row(f"embedding_cosine feature (all {y_all.size} submissions)", y_all,
                                       frames["torch"]["embedding_cosine"].to_numpy(),
                                       frames[cand_name]["embedding_cosine"].to_numpy(), args.bootstrap)

    # 3. real pairs
    if dev_rows:
        graph = SkillGraph.from_taxonomy()
        feats = {}
        for name in names:
            vec = clocks[name].vectors
            feats[name] = text_pair_features(dev_rows, graph=graph, extract_requirement=extract_requirement,
                                             extract_resume=extract_resume,
                                             encode=lambda batch, v=vec: np.stack([v[t] for t in batch]))

        def spread(name: str, score: np.ndarray) -> np.ndarray:
            out = np.full(len(dev_y), np.nan)
            out[feats[name].ok] = score
            return out

        def scored(name: str) -> dict[str, np.ndarray]:
            frame = feats[name].frame
            values = factor_matrix(frame)
            return {"embedding_cosine feature": spread(name, frame["embedding_cosine"].to_numpy()),
                    "role factor (cosine + title)": spread(name, values[:, FACTORS.index("role")]),
                    "seed formula": spread(name, explainable_scores(values)[0]),
                    "prior fitted on torch, scoring each backend's vectors":
                        spread(name, priors["torch"].predict(frame).match_score),
                    "prior refit on each backend's world": spread(name, priors[name].predict(frame).match_score)}

        scores = {name: scored(name) for name in names}
        print(f"\n3. resume_jd_fit_dev ({pairs_path}): {len(dev_y)} labelled pairs, {int(dev_y.sum())} fit")
        print(f"  {'AUC of':<58} {'pairs':>6}  {'torch':>6}  {'cand.':>6}  {'delta':>7}  paired 95% interval")
        for label in scores["torch"]:
            delta = print_row(label, dev_y, scores["torch"][label], scores[cand_name][label], args.bootstrap)
            if not label.startswith("prior refit"):  # one refit's figure: judged by the seeds' mean below
                deltas[f"dev {label}"] = delta
        # How much a refit alone moves the prior on these 268 pairs: the same recipe with other seeds (which rows'
        # fields are hidden, LightGBM's), on each backend's world and pairs.
        from ml.evaluation.real_pairs import auc_with_unknowns

        seeds = range(args.seed, args.seed + args.prior_seeds)
        refits = {n: np.asarray([auc_with_unknowns(dev_y, spread(n, fit_prior(splits[n], PriorParams(seed=k)).predict(
            feats[n].frame).match_score)) for k in seeds]) for n in names}
        diff = refits[cand_name] - refits["torch"]
        print(f"  prior refit with seeds {seeds.start}..{seeds.stop - 1}: torch {refits['torch'].mean():.4f} "
              f"(sd {refits['torch'].std(ddof=1):.4f}, {refits['torch'].min():.4f}..{refits['torch'].max():.4f}), "
              f"{cand_name} {refits[cand_name].mean():.4f} (sd {refits[cand_name].std(ddof=1):.4f}); "
              f"delta per seed mean {diff.mean():+.4f} (sd {diff.std(ddof=1):.4f}, "
              f"{diff.min():+.4f}..{diff.max():+.4f})")
        deltas["dev prior refit, mean over seeds"] = float(diff.mean())
    worst = max(deltas, key=lambda k: abs(deltas[k]))
    print(f"\nlargest |delta| (a single refit's figure on the 268 pairs aside): {worst} {deltas[worst]:+.4f} "
          f"(bound ±0.005)")
    if not args.reuse_vectors:
        base, cand = clocks["torch"], clocks[cand_name]
        print(f"throughput {cand_name} / torch: per cpu-s {base.cpu / cand.cpu:.2f}x, "
              f"wall {base.wall / cand.wall:.2f}x (goal ≥ 3x)")

if __name__ == "__main__":
    main()
