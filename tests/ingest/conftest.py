"""Fixtures for the ingestion tests (defined with the shared inputs in tests/ingest_support.py)."""

from tests.ingest_support import conn, count, embedder, tenant, tx  # noqa: F401
