"""The demo world's own migration stream: its truth tables (schema `world`) exist only where a world is seeded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from warehouse.migrations import Stream, apply_stream

WORLD_STREAM = Stream("demo_world", Path(__file__).parent / "migrations", ledger="demo_world_migrations")


def migrate_world(engine: Engine) -> list[int]:
    """Create or upgrade the `world` schema (owner engine; production migrations first). Returns versions applied."""
    return apply_stream(engine, WORLD_STREAM)
