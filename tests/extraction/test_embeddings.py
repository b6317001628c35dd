import numpy as np

from ml.ai.embeddings import content_hash, get_embedder


def test_embedder_returns_normalized_384_d_vectors_that_rank_related_text_higher():
    embedder = get_embedder()
    vectors = embedder.encode(["Java developer Dallas", "Spring Boot engineer in Texas", "Nurse practitioner"],
                              batch_size=2)
    assert vectors.shape == (3, 384) and embedder.dims == 384 and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.encode([]).shape == (0, 384)


def test_content_hash_ignores_surrounding_whitespace_only():
    assert content_hash(" Java \n") == content_hash("Java") != content_hash("java")


def test_onnx_int8_backend_is_exported_offline_once_and_agrees_with_torch(tmp_path, monkeypatch):
    from ml.ai.embeddings import Embedder

    # Nothing may be fetched: the export reads only the weights shipped in the package.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    texts = ["Java developer Dallas", "Senior data engineer: Python, PySpark, Snowflake, Airflow on AWS",
             " ".join(["Kubernetes Terraform CI/CD pipelines on AWS and GCP for a fintech platform"] * 30), ""]
    onnx = Embedder(backend="onnx-int8", cache_dir=tmp_path, threads=1)
    fast = onnx.encode(texts)
    (exported,) = tmp_path.glob("*-int8.onnx")
    stamp = exported.stat().st_mtime_ns
    assert Embedder(backend="onnx-int8", cache_dir=tmp_path).encode(texts[:1]).shape == (1, 384)
    assert exported.stat().st_mtime_ns == stamp and len(list(tmp_path.iterdir())) == 1  # reused, no temp left
    reference = Embedder(backend="torch").encode(texts)
    assert fast.shape == (4, 384) and fast.dtype == np.float32
    cosine = (fast * reference).sum(axis=1)
    assert cosine[:3].min() > 0.99 and cosine[3] > 0.97, cosine  # the empty text is the least stable
    assert np.argmax(fast[:3] @ fast[1]) == 1
