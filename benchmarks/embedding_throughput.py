"""Embedding throughput and agreement: the torch backend (sentence-transformers) vs ONNX fp32 and int8, same weights,
same texts, same threads, in one run; then the texts as the pipeline sends them (repeats included) through the old
path (torch, every chunk piece) and the new one (each distinct piece once).

    python benchmarks/embedding_throughput.py [--consultants 300] [--pairs FILE] [--limit N] [--threads 2]
                                              [--backends torch,onnx,onnx-int8] [--as-sent N]

Texts: the resumes and requirement descriptions of a generated demo world (seeded) and, when present, the real
`resume_jd_fit_dev` pairs (BENCHCRM_SHARED_DATA). For each backend it prints texts/s and chunk pieces/s, wall and
process CPU seconds (the machine is shared: CPU seconds move less with the load than wall seconds; the ONNX exports
happen once before timing, into a temporary cache), then the cosine to torch's vectors of each text and, on both
label sets, the AUC of the requirement/resume cosine with each backend: on the world, a submission's hidden
`advanced` outcome; on the real pairs, the fit label.
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
    from demo_world.generator import generate_world
    from demo_world.model import WorldParams

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
    from ml.evaluation.real_pairs import labelled_rows

    rows, labels = labelled_rows(path)
    return [r["requirement_text"] for r in rows], [r["resume_text"] for r in rows], labels


def timed(fn, *args) -> tuple[np.ndarray, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consultants", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=Path, default=None, help="default: the shared dev pairs when present")
    parser.add_argument("--limit", type=int, default=0, help="time at most N distinct texts (0: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--as-sent", type=int, default=10**9,
                        help="the first N pairs of the real set (else the world) sent as the pipeline does (default: "
                             "all of them); 0 skips that part")
    args = parser.parse_args()

    import torch

    from ml.ai.embeddings import Embedder, chunk_texts, mean_by_owner
    from warehouse.settings import get_settings

    torch.set_num_threads(args.threads)
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores shared; compare ratios within this run)")
    sets = {"demo world": world_pairs(args.consultants, args.seed)}
    real = real_pairs(args.pairs or get_settings().dev_pairs_path)
    if real is not None:
        sets["resume_jd_fit_dev"] = real
    texts = list(dict.fromkeys(t for reqs, resumes, _ in sets.values() for t in (*reqs, *resumes)))
    if args.limit:
        texts = texts[:args.limit]
    pieces = len(chunk_texts(texts)[0])
    names = ["torch", *[b for b in args.backends.split(",") if b and b != "torch"]]
    with tempfile.TemporaryDirectory() as cache:
        backends = {name: Embedder(backend=name, cache_dir=Path(cache), threads=args.threads) for name in names}
        started = time.perf_counter()
        for embedder in backends.values():
            embedder.encode(["warm up"])
        print(f"model loads (+ ONNX exports from the shipped weights, once): {time.perf_counter() - started:.1f} s")
        print(f"{len(texts)} distinct texts ({pieces} chunk pieces), {args.threads} threads")
        vectors, seconds = {}, {}
        for name, embedder in backends.items():
            vectors[name], seconds[name], cpu = timed(embedder.encode, texts)
            print(f"{name:<10} {seconds[name]:7.1f} s  (cpu {cpu:7.1f} s)  {len(texts) / seconds[name]:7.1f} texts/s  "
                  f"{pieces / seconds[name]:7.1f} pieces/s  {pieces / cpu:7.1f} pieces per cpu-s")
        index = {t: i for i, t in enumerate(texts)}
        for name in names[1:]:
            print(f"throughput ratio {name} / torch: {seconds['torch'] / seconds[name]:.2f}x")
            cos = (vectors["torch"] * vectors[name]).sum(axis=1)
            print(f"cosine(torch, {name}) per text: min {cos.min():.5f}  p1 {np.percentile(cos, 1):.5f}  "
                  f"mean {cos.mean():.6f}")
        for label, (reqs, resumes, y) in sets.items():
            keep = [i for i, (a, b) in enumerate(zip(reqs, resumes, strict=True)) if a in index and b in index]
            if len(set(y[keep])) < 2:
                continue
            line = []
            for name in names:
                v = vectors[name]
                score = np.asarray([float(v[index[reqs[i]]] @ v[index[resumes[i]]]) for i in keep])
                line.append((name, auc(score, y[keep])))
            print(f"AUC of the cosine on {label} ({len(keep)} pairs): "
                  + "  ".join(f"{n} {a:.4f}" + (f" ({a - line[0][1]:+.4f})" if n != "torch" else "")
                              for n, a in line))

        if args.as_sent:
            # What text_pair_features (the prior's and the gate's real-pair check) sends: every pair's two texts,
            # a posting repeated for each resume it is paired with.
            reqs, resumes, _ = sets.get("resume_jd_fit_dev", sets["demo world"])
            sent = [*reqs[:args.as_sent], *resumes[:args.as_sent]]
            sent_pieces, owner = chunk_texts(sent)
            torch_embedder = backends["torch"]
            before, before_s, before_cpu = timed(
                lambda: mean_by_owner(torch_embedder.encode_unchunked(sent_pieces), owner, len(sent)))
            print(f"\n{len(sent)} texts as sent ({len(sent_pieces)} pieces, {len(set(sent_pieces))} distinct)")
            print(f"{'before: torch, every piece':<34} {before_s:7.1f} s  (cpu {before_cpu:7.1f} s)")
            for name, embedder in backends.items():
                after, after_s, after_cpu = timed(embedder.encode, sent)
                cos = (before * after).sum(axis=1)
                print(f"{'after: ' + name + ', distinct pieces':<34} {after_s:7.1f} s  (cpu {after_cpu:7.1f} s)  "
                      f"ratio {before_s / after_s:.2f}x (cpu {before_cpu / after_cpu:.2f}x)  "
                      f"cosine to before min {cos.min():.5f}")


if __name__ == "__main__":
    main()
