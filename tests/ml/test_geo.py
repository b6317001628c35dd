"""One haversine: the features and the demo world measure distance with the same function, and the world's
distances are bit-for-bit what its former private copy computed (so seeded worlds are unchanged)."""

from __future__ import annotations

import numpy as np

import demo_world.diagnostics
import demo_world.generator
import demo_world.outcome
from ml.features.geo import haversine_mi


def _former_world_haversine(lat1, lon1, lat2, lon2):
    """demo_world.outcome.haversine_miles as it was before it was merged into ml.features.geo."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 3958.8 * 2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def test_the_world_uses_the_feature_haversine():
    for module in (demo_world.outcome, demo_world.generator, demo_world.diagnostics):
        assert module.haversine_mi is haversine_mi
        assert not hasattr(module, "haversine_miles")


def test_haversine_is_identical_to_the_former_world_copy():
    rng = np.random.default_rng(7)
    lat1, lat2 = rng.uniform(-90, 90, 5000), rng.uniform(-90, 90, 5000)
    lon1, lon2 = rng.uniform(-180, 180, 5000), rng.uniform(-180, 180, 5000)
    lat1[:3] = np.nan  # unknown coordinates stay unknown
    np.testing.assert_array_equal(haversine_mi(lat1, lon1, lat2, lon2), _former_world_haversine(lat1, lon1, lat2, lon2))
    # broadcasting, as the generator uses it (consultants × metros)
    grid = haversine_mi(lat1[:, None], lon1[:, None], lat2[None, :50], lon2[None, :50])
    np.testing.assert_array_equal(grid, _former_world_haversine(lat1[:, None], lon1[:, None], lat2[None, :50],
                                                                lon2[None, :50]))


def test_haversine_known_distances():
    nyc, la = (40.7128, -74.0060), (34.0522, -118.2437)
    miles = haversine_mi(np.array([nyc[0], nyc[0], np.nan]), np.array([nyc[1], nyc[1], 0.0]),
                         np.array([la[0], nyc[0], 0.0]), np.array([la[1], nyc[1], 0.0]))
    assert abs(miles[0] - 2445.6) < 1.0
    assert miles[1] == 0.0
    assert np.isnan(miles[2])
