"""Per-tenant embedding fanned out on a real Dask cluster (two local worker processes) gives the same vectors as
the serial encoder, one result per tenant; an unreachable scheduler is a one-line error."""

from __future__ import annotations

import numpy as np
import pytest

from ml.ai.fanout import ClusterUnavailable, client_for, cluster_client, embed_on_cluster, embed_serial
from tests.ml.texts import ACCOUNTANT, BARISTA, POSTING
from warehouse.settings import Settings

BATCHES = {
    "acme": [ACCOUNTANT, "Senior Python developer: Django, PostgreSQL, Kafka, AWS; eight years."],
    "globex": [BARISTA, POSTING, "Java architect with Spring Boot and Kubernetes."],
    "initech": ["QA automation engineer, Selenium and Cypress, ISTQB certified."],
}


def test_a_two_worker_cluster_embeds_each_tenant_like_the_serial_encoder():
    serial = embed_serial(BATCHES)
    with cluster_client(None, workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        fanned = embed_on_cluster(client, BATCHES)
    assert set(fanned) == set(BATCHES)
    for tenant, texts in BATCHES.items():
        assert fanned[tenant].shape == (len(texts), 384)
        np.testing.assert_allclose(fanned[tenant], serial[tenant], atol=1e-5)


def test_an_unreachable_scheduler_is_a_precise_error():
    settings = Settings(dask_scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ClusterUnavailable, match=r"Dask scheduler tcp://127\.0\.0\.1:9 did not answer within 2s"), \
            client_for(settings, timeout="2s"):
        pass
