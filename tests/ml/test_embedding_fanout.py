"""Per-tenant embedding fanned out on a real Dask cluster (two local worker processes) gives the same vectors as
the serial encoder, one result per tenant; an unreachable scheduler is a one-line error."""

from __future__ import annotations

import numpy as np
import pytest

from ml.ai.fanout import (
    ClusterEmbedder,
    ClusterUnavailable,
    client_for,
    cluster_client,
    embed_on_cluster,
    embed_serial,
)
from tests.ml.texts import ACCOUNTANT, BARISTA, POSTING
from warehouse.settings import Settings

BATCHES = {
    "acme": [ACCOUNTANT, "Senior Python developer: Django, PostgreSQL, Kafka, AWS; eight years."],
    "globex": [BARISTA, POSTING, "Java architect with Spring Boot and Kubernetes."],
    "initech": ["QA automation engineer, Selenium and Cypress, ISTQB certified."],
}


def test_a_two_worker_cluster_embeds_each_tenant_like_the_serial_encoder():
    from ml.ai.embeddings import get_embedder

    serial = embed_serial(BATCHES)
    texts = [t for batch in BATCHES.values() for t in batch]
    with cluster_client(None, workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        fanned = embed_on_cluster(client, BATCHES)
        # The pipeline's embedder on the cluster: chunks of 2 over two workers, back in the texts' order.
        embedder = ClusterEmbedder(client, get_embedder(), chunk=2)
        chunked = embedder.encode(texts)
        empty = embedder.encode([])
    np.testing.assert_allclose(chunked, np.vstack([serial[t] for t in BATCHES]), atol=1e-5)
    assert empty.shape == (0, 384) and embedder.model_name == get_embedder().model_name
    assert set(fanned) == set(BATCHES)
    for tenant, texts in BATCHES.items():
        assert fanned[tenant].shape == (len(texts), 384)
        np.testing.assert_allclose(fanned[tenant], serial[tenant], atol=1e-5)


def test_an_unreachable_scheduler_is_a_precise_error():
    settings = Settings(dask_scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ClusterUnavailable, match=r"Dask scheduler tcp://127\.0\.0\.1:9 did not answer within 2s"), \
            client_for(settings, timeout="2s"):
        pass
