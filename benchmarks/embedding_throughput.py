"""Embedding throughput and agreement: the torch backend (sentence-transformers) vs int8 ONNX, same weights, same
texts, same threads, in one run.

    python benchmarks/embedding_throughput.py [--consultants 300] [--pairs FILE] [--limit N] [--threads 2]

Texts: the resumes and requirement descriptions of a generated demo world (seeded) and, when present, the real
`resume_jd_fit_dev` pairs (BENCHCRM_SHARED_DATA). For each backend it prints texts/s and chunk pieces/s (the ONNX
export happens once before timing, into a temporary cache), then the cosine between the two backends' vectors of
each text and, on both label sets, the AUC of the requirement/resume cosine with each backend: on the world, a
submission's hidden `advanced` outcome; on the real pairs, the fit label.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def world_pairs(consultants: int, seed: int) -> tuple[list[str], list[str], np.ndarray]:
    """(requirement text, resume text, advanced) of every submission of a generated world."""
    from ml.world.generator import generate_world
    from ml.world.model import WorldParams

    world = generate_world(WorldParams(consultants=consultants, requirements=max(10, consultants // 5), seed=seed))
    cons = {r["id"]: r["resume_text"] or "" for r in world.frame("crm.consultant").iter_rows(named=True)}
    reqs = {r["id"]: f"{r['title']}\n{r['description'] or ''}"
            for r in world.frame("crm.requirement").iter_rows(named=True)}
    truth = {r["submission_id"]: bool(r["advanced"]) for r in world.frame("world.submission_truth").iter_rows(named=True)}
    rows = [(reqs[s["requirement_id"]], cons[s["consultant_id"]], truth[s["id"]])
            for s in world.frame("crm.submission").iter_rows(named=True) if s["id"] in truth]
    return [r[0] for r in rows], [r[1] for r in rows], np.asarray([r[2] for r in rows], dtype=int)


def real_pairs(path: Path | None) -> tuple[list[str], list[str], np.ndarray] | None:
    if path is None or not path.is_file():
        return None
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("label") in ("0", "1")]
    return ([r["requirement_text"] for r in rows], [r["resume_text"] for r in rows],
            np.asarray([int(r["label"]) for r in rows]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consultants", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=Path, default=None, help="default: the shared dev pairs when present")
    parser.add_argument("--limit", type=int, default=0, help="time at most N distinct texts (0: all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from ml.ai.embeddings import Embedder, chunk_texts
    from warehouse.settings import get_settings

    torch.set_num_threads(args.threads)
    sets = {"demo world": world_pairs(args.consultants, args.seed)}
    real = real_pairs(args.pairs or get_settings().dev_pairs_path)
    if real is not None:
        sets["resume_jd_fit_dev"] = real
    texts = list(dict.fromkeys(t for reqs, resumes, _ in sets.values() for t in (*reqs, *resumes)))
    if args.limit:
        texts = texts[:args.limit]
    pieces = len(chunk_texts(texts)[0])
    with tempfile.TemporaryDirectory() as cache:
        backends = {"torch": Embedder(backend="torch"),
                    "onnx-int8": Embedder(backend="onnx-int8", cache_dir=Path(cache), threads=args.threads)}
        started = time.perf_counter()
        backends["onnx-int8"].encode(["warm up"])
        print(f"ONNX export + quantization from the shipped weights: {time.perf_counter() - started:.1f} s (once)")
        backends["torch"].encode(["warm up"])
        print(f"{len(texts)} distinct texts ({pieces} chunk pieces), {args.threads} threads")
        vectors, seconds = {}, {}
        for name, embedder in backends.items():
            started = time.perf_counter()
            vectors[name] = embedder.encode(texts)
            seconds[name] = time.perf_counter() - started
            print(f"{name:<10} {seconds[name]:7.1f} s  {len(texts) / seconds[name]:7.1f} texts/s  "
                  f"{pieces / seconds[name]:7.1f} pieces/s")
        print(f"throughput ratio onnx-int8 / torch: {seconds['torch'] / seconds['onnx-int8']:.2f}x")
        cos = (vectors["torch"] * vectors["onnx-int8"]).sum(axis=1)
        print(f"cosine(torch, onnx-int8) per text: min {cos.min():.4f}  p1 {np.percentile(cos, 1):.4f}  "
              f"mean {cos.mean():.5f}")
        index = {t: i for i, t in enumerate(texts)}
        for label, (reqs, resumes, y) in sets.items():
            keep = [i for i, (a, b) in enumerate(zip(reqs, resumes, strict=True)) if a in index and b in index]
            if len(set(y[keep])) < 2:
                continue
            line = []
            for name in backends:
                v = vectors[name]
                score = np.asarray([float(v[index[reqs[i]]] @ v[index[resumes[i]]]) for i in keep])
                line.append((name, auc(score, y[keep])))
            delta = line[1][1] - line[0][1]
            print(f"AUC of the cosine on {label} ({len(keep)} pairs): " +
                  "  ".join(f"{n} {a:.4f}" for n, a in line) + f"  delta {delta:+.4f}")


if __name__ == "__main__":
    main()
