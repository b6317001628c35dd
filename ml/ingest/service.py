"""The fast path: what `POST /v1/integrations/inbox/import` and the resume upload call, in-process.

Same pure functions and same tables as the Dagster assets, with the embedding written immediately, so the new
requirement is matchable in about a second and the assets later find nothing left to do (same Message-ID, same
content hashes). The caller owns the transaction: `with tenant_tx(tenant_id) as conn: import_message(conn, ...)`.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from ml.ingest.pipeline import ImportOutcome, ResumeImportOutcome, process_message, process_resume
from ml.ingest.toolkit import Embedder, Toolkit, default_toolkit

__all__ = ["ImportOutcome", "ResumeImportOutcome", "import_message", "import_resume", "warm_up"]


def _embedder(toolkit: Toolkit, embedder: Embedder | None) -> Embedder:
    return embedder if embedder is not None else toolkit.embedder


def import_message(conn: sa.Connection, *, tenant_id: uuid.UUID, raw: bytes, source: str = "api",
                   toolkit: Toolkit | None = None, embedder: Embedder | None = None) -> ImportOutcome:
    """One raw RFC 822 message -> a deduplicated, embedded requirement (or a duplicate source, a
    not-a-requirement mark, or a quarantine row). Idempotent on Message-ID."""
    toolkit = toolkit or default_toolkit()
    return process_message(conn, tenant_id=tenant_id, raw=raw, source=source, toolkit=toolkit,
                           embedder=_embedder(toolkit, embedder))


def import_resume(conn: sa.Connection, *, tenant_id: uuid.UUID, filename: str, data: bytes,
                  content_type: str | None = None, source: str = "api", toolkit: Toolkit | None = None,
                  embedder: Embedder | None = None) -> ResumeImportOutcome:
    """One resume file (PDF, DOCX, TXT) -> a created/updated consultant with skills and an embedding."""
    toolkit = toolkit or default_toolkit()
    return process_resume(conn, tenant_id=tenant_id, filename=filename, data=data, content_type=content_type,
                          source=source, toolkit=toolkit, embedder=_embedder(toolkit, embedder))


def warm_up(toolkit: Toolkit | None = None, *, torch_threads: int | None = 1) -> None:
    """Load the embedding model (seconds, once) so the first request is not the one that pays for it.
    The API calls this from its lifespan.

    `torch_threads` (process-wide): one intra-op thread per encode is 4-10x faster for the single texts of the
    fast path on a busy 2-core machine (see benchmarks/RESULTS.md "## Ingestion"); None leaves torch's default.
    """
    toolkit = toolkit or default_toolkit()
    from ml.ai.embeddings import Embedder

    if torch_threads and isinstance(toolkit.embedder, Embedder) and toolkit.embedder.backend.startswith("onnx"):
        toolkit.embedder.threads = torch_threads  # read when its session is created, on the encode below
    elif torch_threads:
        import torch

        torch.set_num_threads(torch_threads)
    toolkit.embedder.encode(["warm up"])
