"""Worlds shared by the world tests (generation is deterministic, so sharing them is safe)."""

from __future__ import annotations

import pytest

from demo_world import World, generate_world
from tests.world.params import MEDIUM, SMALL


@pytest.fixture(scope="session")
def small_world() -> World:
    return generate_world(SMALL)


@pytest.fixture(scope="session")
def medium_world() -> World:
    return generate_world(MEDIUM)
