"""Switching the embedding backend moves a tenant to another vector space whole: every text is re-embedded once,
each entity keeps one vector, in the space of the backend that computed it, and readers of one space never see the
other's vectors (docs/adr/0029). Real models: torch and int8 ONNX of the shipped weights, on the real Postgres."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from ml.ai.embeddings import MODEL_NAME, Embedder, active_model_name
from ml.ingest.pipeline import embed_entities, process_message
from ml.matching.loaders import load_requirement_records
from tests.ingest_support import vendor_email
from warehouse.settings import Settings, stored_embedding_model


@pytest.fixture(scope="module")
def backends(tmp_path_factory) -> dict[str, Embedder]:
    cache = tmp_path_factory.mktemp("onnx")
    return {name: Embedder(backend=name, cache_dir=cache, threads=1) for name in ("torch", "onnx", "onnx-int8")}


def _stored(conn: sa.Connection) -> list[tuple[str, str]]:
    return [(str(r[0]), r[1]) for r in conn.execute(sa.text(
        "select entity_id, model from crm.embedding where entity_type = 'requirement' order by entity_id, model"))]


def test_each_backend_names_its_vector_space_and_int8_is_the_default():
    assert {name: stored_embedding_model(name) for name in ("torch", "onnx", "onnx-int8")} == {
        "torch": MODEL_NAME, "onnx": MODEL_NAME, "onnx-int8": f"{MODEL_NAME}-int8"}
    assert Settings.model_fields["embedding_backend"].default == "onnx-int8"
    assert active_model_name() == stored_embedding_model(Settings().embedding_backend)


def test_switching_to_int8_re_embeds_every_text_once_and_leaves_one_vector_per_entity(tx, tenant, backends):
    with tx() as conn:
        process_message(conn, tenant_id=tenant, raw=vendor_email(), source="api", embedder=None)
        process_message(conn, tenant_id=tenant, raw=vendor_email(client="Other Bank", city="Dallas"), source="api",
                        embedder=None)
        before = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["torch"])
        torch_rows = _stored(conn)
        # fp32 ONNX computes torch's vectors: the same space, nothing to redo.
        same = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["onnx"])
        switched = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["onnx-int8"])
        int8_rows = _stored(conn)
        again = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["onnx-int8"])
        int8_view = load_requirement_records(conn, model=f"{MODEL_NAME}-int8")
        torch_view = load_requirement_records(conn, model=MODEL_NAME)
        back = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["torch"])
        back_rows = _stored(conn)
    assert (before.embedded, same.embedded, switched.embedded, again.embedded, back.embedded) == (2, 0, 2, 0, 2)
    assert [m for _, m in torch_rows] == [MODEL_NAME] * 2
    assert [m for _, m in int8_rows] == [f"{MODEL_NAME}-int8"] * 2  # the torch rows are gone, not kept beside
    assert [e for e, _ in int8_rows] == [e for e, _ in torch_rows]
    assert [m for _, m in back_rows] == [MODEL_NAME] * 2
    # A reader of the torch space finds no vector (unknown, weighted out) rather than an int8 one, and vice versa.
    assert all(r["embedding"] is None for r in torch_view)
    assert np.asarray([r["embedding"] for r in int8_view], dtype=np.float32).shape == (2, 384)


def test_a_recommendation_process_reads_only_its_own_space(tx, tenant, backends):
    """The anchor's vector and the candidates' are read with the process's space (`active_model_name`, int8 by
    default): a requirement embedded only by torch has no vector for it, so nothing of two spaces meets."""
    with tx() as conn:
        process_message(conn, tenant_id=tenant, raw=vendor_email(client="Third Bank"), source="api", embedder=None)
        embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["torch"])
        (record,) = load_requirement_records(conn)
        assert active_model_name() == f"{MODEL_NAME}-int8" and record["embedding"] is None
        embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=backends["onnx-int8"])
        (record,) = load_requirement_records(conn)
    stored = np.asarray(record["embedding"], dtype=np.float32)
    assert stored.shape == (384,) and abs(float(np.linalg.norm(stored)) - 1.0) < 1e-4
