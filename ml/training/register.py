"""The registration step: re-score the tenant's champion on the candidate's test period, log the run with its
report, register, apply the promotion gate (ml.registry) and export the champion for serving."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from ml.evaluation.metrics import score_metrics
from ml.evaluation.real_pairs import RealPairsCheck, check_on_real_pairs
from ml.registry import Registration, input_example, log_and_register, tenant_target
from ml.training.dataset import Split
from ml.training.pipeline import TrainedModels
from ml.training.report import EvaluationReport
from warehouse.settings import Settings


def real_pairs_cache(settings: Settings) -> Path:
    """Per machine, not per data folder: the frame depends only on the file, the feature code and the embedder,
    which its file name encodes (ADR 0030)."""
    return settings.cache_dir / "real_pairs"


def champion_metrics_on(test: pl.DataFrame, champion, seed_formula_metrics: dict[str, float]) -> dict[str, float]:
    """The serving champion on the same test period. With no model registered the API serves the seed formula:
    that is the champion to beat."""
    if champion is None:
        return seed_formula_metrics
    pred = champion.predict(test)
    return score_metrics(test["query"].to_numpy(), test["label"].to_numpy(), pred.raw, pred.success_probability)


@dataclass(frozen=True)
class RegisteredCandidate:
    registration: Registration
    champion_metrics: dict[str, float]
    real_pairs: RealPairsCheck | None


def register_candidate(settings: Settings, *, tenant_id: uuid.UUID, tenant_slug: str, trained: TrainedModels,
                       split: Split, report: EvaluationReport, version: str,
                       tags: dict[str, str]) -> RegisteredCandidate:
    from ml.matching.champion import load_champion

    champion = champion_metrics_on(split.test, load_champion(settings, tenant_id), report.metrics["seed_formula"])
    bundle = replace(trained.ranker, version=version)
    artifacts = {p.stem: p for p in report.files.values() if p.exists()}
    real_pairs = check_on_real_pairs(bundle, settings.dev_pairs_path, real_pairs_cache(settings))
    registration = log_and_register(
        settings, target=tenant_target(settings, tenant_id, tenant_slug), bundle=bundle, real_pairs=real_pairs,
        params={**trained.params.__dict__, **split.describe()}, metrics=report.metrics, champion_metrics=champion,
        artifacts=artifacts, example=input_example(split.test, bundle.features), tags=tags,
    )
    return RegisteredCandidate(registration, champion, real_pairs)
