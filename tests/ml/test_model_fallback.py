"""`TenantModels.or_seed_formula`: what a ranking (a request, or the warm start) asks for its model. Whatever makes
`get` fail is logged and the seed formula ranks; the ranking itself never fails for it."""

from __future__ import annotations

import logging

import pytest

from ml.matching.champion import TenantModels


def test_a_model_that_fails_to_load_is_logged_and_the_seed_formula_ranks(settings, caplog):
    models = TenantModels(settings)
    with pytest.raises(ValueError):
        models.get("not-a-tenant-id")
    with caplog.at_level(logging.ERROR, logger="ml.matching.champion"):
        assert models.or_seed_formula("not-a-tenant-id") is None
    assert "serving model for tenant not-a-tenant-id failed to load" in caplog.text
