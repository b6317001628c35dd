"""Embedding several tenants' texts at once on a Dask cluster (ADR 0021, issue 14 item 3).

One task per tenant batch: a worker process loads the model once (`get_embedder` is cached per process) and encodes
the batch with one torch thread, so N workers use N cores without oversubscribing them. Locally `local_cluster`
starts worker processes on this machine; in production `BENCHCRM_DASK_SCHEDULER` names a running scheduler
(e.g. the Dask Helm chart's `tcp://dask-scheduler:8786`). The serial path is the same encoder in this process.
Not yet called by the embedding assets: they embed one tenant per run until tenants become partitions."""

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
