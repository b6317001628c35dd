"""The pure functions the pipeline is built from, gathered in one object so the fast path (API) and the Dagster
assets call exactly the same code, and tests can hand in a small deterministic embedder.

`default_toolkit()` wires the real implementations (MIME parsing, document text, extraction, skill normalization,
the sentence-transformers embedder). Imports happen on first use: importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from ml.extraction.schemas import RequirementExtraction, ResumeExtraction


class Rejected(Exception):
    """Input that cannot be parsed or validated. `reason` is `code: detail`; the code groups quarantine rows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0].strip() or "rejected"


class Embedder(Protocol):
    """What the pipeline needs from an embedding model (ml.ai.embeddings.Embedder satisfies it)."""

    model_name: str
    dims: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Toolkit:
    parse_message: Callable[[bytes], Any]  # -> ParsedMessage; raises Rejected
    document_text: Callable[[str, bytes, str | None], str]  # raises Rejected
    classify_message: Callable[[str, str], tuple[bool, str | None]]
    extract_requirement: Callable[[str, str | None], RequirementExtraction]
    extract_resume: Callable[[str], ResumeExtraction]
    normalize_skill: Callable[[str], str | None]
    embedder_factory: Callable[[], Embedder]

    def with_embedder(self, embedder: Embedder) -> Toolkit:
        return replace(self, embedder_factory=lambda: embedder)

    @property
    def embedder(self) -> Embedder:
        return self.embedder_factory()


def _parse_message(raw: bytes) -> Any:
    from ml.ingest.mime import UnparseableMessage, parse_message

    try:
        return parse_message(raw)
    except UnparseableMessage as exc:
        raise Rejected(getattr(exc, "reason", str(exc))) from exc


def _document_text(filename: str, data: bytes, content_type: str | None) -> str:
    from ml.ingest.documents import UnparseableDocument, document_text

    try:
        return document_text(filename, data, content_type)
    except UnparseableDocument as exc:
        raise Rejected(getattr(exc, "reason", str(exc))) from exc


def _classify(subject: str, text: str) -> tuple[bool, str | None]:
    from ml.extraction import classify_message

    return classify_message(subject, text)


def _extract_requirement(text: str, subject: str | None) -> RequirementExtraction:
    from ml.extraction import extract_requirement

    return extract_requirement(text, subject=subject)


def _extract_resume(text: str) -> ResumeExtraction:
    from ml.extraction import extract_resume

    return extract_resume(text)


def _normalize_skill(raw: str) -> str | None:
    from ml.normalize import normalize_skill

    return normalize_skill(raw)


def _embedder() -> Embedder:
    from ml.ai.embeddings import get_embedder

    return get_embedder()


@lru_cache(maxsize=1)
def default_toolkit() -> Toolkit:
    return Toolkit(
        parse_message=_parse_message, document_text=_document_text, classify_message=_classify,
        extract_requirement=_extract_requirement, extract_resume=_extract_resume,
        normalize_skill=_normalize_skill, embedder_factory=_embedder,
    )
