"""Worlds shared by the world tests (generation is deterministic, so sharing them is safe)."""

from __future__ import annotations

import pytest

from demo_world import World, WorldParams, generate_world

SMALL = WorldParams(consultants=1200, requirements=240, seed=11)
MEDIUM = WorldParams(consultants=4000, requirements=900, seed=5)


@pytest.fixture(scope="session")
def small_world() -> World:
    return generate_world(SMALL)


@pytest.fixture(scope="session")
def medium_world() -> World:
    return generate_world(MEDIUM)
