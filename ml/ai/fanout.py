"""Embedding several tenants' texts at once on a Dask cluster (ADR 0021, issue 14 item 3).

One task per tenant batch: a worker process loads the model once (`get_embedder` is cached per process) and encodes
the batch with one torch thread, so N workers use N cores without oversubscribing them. Locally `local_cluster`
starts worker processes on this machine; in production `BENCHCRM_DASK_SCHEDULER` names a running scheduler
(e.g. the Dask Helm chart's `tcp://dask-scheduler:8786`). The serial path is the same encoder in this process.

The embedding assets run one tenant per run (tenant partitions, ADR 0024), so tenants fan out as runs; within a run,
a large bench fans out as chunks when a scheduler is configured: `ClusterEmbedder` is the pipeline's Embedder with
`encode` spread over the cluster's workers (orchestration's EmbedderResource picks it from the settings)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np


class ClusterUnavailable(RuntimeError):
    """The configured Dask scheduler cannot be reached; the message is the one-line cause."""


def _encode_on_worker(texts: list[str]) -> np.ndarray:
    import torch

    from ml.ai.embeddings import get_embedder

    torch.set_num_threads(1)  # one core per worker process: the cluster's parallelism is the processes
    return get_embedder().encode(texts)


def embed_serial(batches: Mapping[str, list[str]]) -> dict[str, np.ndarray]:
    from ml.ai.embeddings import get_embedder

    embedder = get_embedder()
    return {tenant: embedder.encode(texts) for tenant, texts in batches.items()}


def embed_on_cluster(client: Any, batches: Mapping[str, list[str]]) -> dict[str, np.ndarray]:
    """One task per tenant; results keyed like `batches`. Fails with the first task's error."""
    futures = {tenant: client.submit(_encode_on_worker, list(texts), key=f"embed-{tenant}", pure=False)
               for tenant, texts in batches.items()}
    return {tenant: future.result() for tenant, future in futures.items()}


class ClusterEmbedder:
    """An Embedder (ml.ingest.toolkit.Embedder) whose `encode` splits the texts into chunks encoded by the workers
    of a Dask cluster, in order: the same vectors as `local` (same model), from more cores than one process has."""

    def __init__(self, client: Any, local: Any, *, chunk: int = 256) -> None:
        self.client = client
        self.model_name = local.model_name
        self.dims = local.dims
        self.chunk = chunk

    def encode(self, texts: Any) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        chunks = [texts[i:i + self.chunk] for i in range(0, len(texts), self.chunk)]
        return np.vstack(self.client.gather(self.client.map(_encode_on_worker, chunks, pure=False)))


@contextmanager
def cluster_client(address: str | None, *, workers: int = 2, timeout: str = "10s") -> Iterator[Any]:
    """A client of the scheduler at `address`, or of a local cluster of `workers` processes when it is None."""
    from distributed import Client, LocalCluster

    if address is None:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=timeout)
    except OSError as exc:
        raise ClusterUnavailable(f"Dask scheduler {address} did not answer within {timeout}: {exc}") from exc
    with client:
        yield client


def client_for(settings: Any, **options: Any):
    """The cluster the settings name (`BENCHCRM_DASK_SCHEDULER`), else a local one: a context manager."""
    return cluster_client(settings.dask_scheduler, **options)
