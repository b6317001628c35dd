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
