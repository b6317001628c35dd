"""What `benchcrm demo` tells a newcomer once the pipeline has run: which model serves the tenant, how good it
measured, and a first request to try."""

from __future__ import annotations

import uuid

from ml.matching.champion import load_champion, load_prior
from warehouse.settings import Settings

# The headline metrics of a model card, in the order a reader wants them.
_HEADLINE = (("auc", "AUC"), ("mrr_at_10", "MRR@10"), ("top5_hit", "Top-5"), ("brier", "Brier"))


def serving_model_line(settings: Settings, tenant_id: uuid.UUID) -> str:
    """One line: the tenant's own champion, else the prior it falls back to, else the seed formula."""
    champion = load_champion(settings, tenant_id)
    model, role = (champion, "its own champion") if champion is not None else (load_prior(settings), "the prior")
    if model is None:
        return "serving model: the seed formula (no champion or prior exported yet)"
    metrics = model.metrics or {}
    shown = ", ".join(f"{label} {metrics[key]:.3f}" for key, label in _HEADLINE if key in metrics)
    return f"serving model: {model.version} ({role})" + (f" — {shown} on its held-out test period" if shown else "")


def first_request(settings: Settings, tenant_slug: str) -> str:
    """A copy-paste shell line that lists the tenant's newest requirements through the API."""
    return (f'TOKEN=$(benchcrm token --tenant {tenant_slug} --role Recruiter) && curl -s -H "Authorization: Bearer '
            f'$TOKEN" "http://{settings.api_host}:{settings.api_port}/v1/requirements?limit=3"')
