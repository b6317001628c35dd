"""The labelled real pairs (BENCHCRM_SHARED_DATA) the promotion gate and the evaluation score models on, as a
resource. Their features depend on no tenant's data, so a run starts featurizing them (or finds them in the
machine's cache) when its resources are set up and its other steps work meanwhile; the steps that score models wait
only for what is left (ADR 0030)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from ml.evaluation.real_pairs import RealPairsCheck


class RealPairsResource(dg.ConfigurableResource):
    """Scores a model against the seed formula on the labelled real pairs; None where there are none."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from ml.evaluation.real_pairs import prefetch_labelled_pair_features
        from ml.training.register import real_pairs_cache
        from warehouse.settings import get_settings

        settings = get_settings()
        prefetch_labelled_pair_features(settings.dev_pairs_path, real_pairs_cache(settings))

    def check(self, model) -> RealPairsCheck | None:
        from ml.evaluation.real_pairs import check_on_real_pairs
        from ml.training.register import real_pairs_cache
        from warehouse.settings import get_settings

        settings = get_settings()
        return check_on_real_pairs(model, settings.dev_pairs_path, real_pairs_cache(settings))


@dg.definitions
def real_pairs() -> dg.Definitions:
    return dg.Definitions(resources={"dev_pairs": RealPairsResource()})
