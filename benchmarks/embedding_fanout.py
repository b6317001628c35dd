"""Embedding N tenants' resumes: serial in this process vs fanned out on a local 2-worker Dask cluster.

    python benchmarks/embedding_fanout.py [--tenants 4] [--texts 120] [--workers 2]

Each tenant's texts are the resumes of its own demo world (seed = tenant number). Both sides are warm: the model is
loaded in this process and in every worker before timing. Prints seconds and the serial / cluster ratio, plus the
machine's load (the cores are shared on the development machines, so compare ratios within one run)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def tenant_texts(tenants: int, texts: int) -> dict[str, list[str]]:
    from demo_world import WorldParams, generate_world

    batches = {}
    for n in range(tenants):
        frame = generate_world(WorldParams(consultants=max(texts, 50), requirements=20, seed=100 + n)).frame(
            "crm.consultant")
        batches[f"tenant-{n}"] = frame["resume_text"].to_list()[:texts]
    return batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=4)
    parser.add_argument("--texts", type=int, default=120, help="resumes per tenant")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from ml.ai.fanout import _encode_on_worker, cluster_client, embed_on_cluster, embed_serial

    batches = tenant_texts(args.tenants, args.texts)
    total = sum(len(t) for t in batches.values())
    embed_serial({"warm": ["warm up the model"]})
    import torch

    started = time.perf_counter()
    embed_serial(batches)
    serial = time.perf_counter() - started
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # what one worker does: shows the processes' own speed-up, apart from torch's threads
    started = time.perf_counter()
    embed_serial(batches)
    serial_one = time.perf_counter() - started
    torch.set_num_threads(threads)
    with cluster_client(None, workers=args.workers) as client:
        client.run(_encode_on_worker, ["warm up the model"])  # load the model in every worker, outside the timing
        started = time.perf_counter()
        embed_on_cluster(client, batches)
        fanned = time.perf_counter() - started
    print(f"{args.tenants} tenants × {args.texts} resumes ({total} texts), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"serial, torch's {threads} threads:      {serial:7.1f} s  {1000 * serial / total:6.1f} ms/text")
    print(f"serial, 1 torch thread:           {serial_one:7.1f} s  {1000 * serial_one / total:6.1f} ms/text")
    print(f"Dask, {args.workers} workers × 1 thread:     {fanned:7.1f} s  {1000 * fanned / total:6.1f} ms/text")
    print(f"serial / cluster: {serial / fanned:.2f}× (torch threads), {serial_one / fanned:.2f}× (1 thread)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
