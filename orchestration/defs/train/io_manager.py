"""How the ranking assets hand values to each other: files in the tenant's training folder of the data folder
(`<data_dir>/ml/<tenant>/values/<asset>.parquet|.pkl`, ml.training.store). Each asset takes its upstream as an
argument, so the lineage in the UI is what the code reads; the folder is per deployment (data_dir) and per
tenant (the asset's partition key), so two tenants never read each other's values."""

from __future__ import annotations

from typing import Any

import dagster as dg

from orchestration.defs.resources import PostgresResource

TRAIN_IO_MANAGER = "train_io_manager"


class TenantTrainingIOManager(dg.ConfigurableIOManager):
    postgres: PostgresResource

    def _store(self, context: dg.OutputContext | dg.InputContext):
        """The run's tenant's folder. The run's partition key, not the asset's: an asset check's input is mapped to
        every partition of its asset, while the run (one tenant's) says which one it reads."""
        from ml.training.store import ArtifactStore

        if not context.has_partition_key:
            raise dg.Failure(f"{context.asset_key.to_user_string()} is per tenant: run it for a tenant partition")
        return ArtifactStore.for_tenant(self.postgres._settings(), context.partition_key)

    @staticmethod
    def _name(key: dg.AssetKey) -> str:
        return "__".join(key.path)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        path = self._store(context).write_value(self._name(context.asset_key), obj)
        context.add_output_metadata({"value_path": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext) -> Any:
        return self._store(context).read_value(self._name(context.asset_key))


def train_resources(postgres: PostgresResource) -> dict[str, Any]:
    """The resources the ranking assets need, for one tenant (definitions, tests and benchmarks alike)."""
    from orchestration.defs.train.real_pairs import RealPairsResource

    return {"postgres": postgres, TRAIN_IO_MANAGER: TenantTrainingIOManager(postgres=postgres),
            "dev_pairs": RealPairsResource()}


@dg.definitions
def train_io() -> dg.Definitions:
    return dg.Definitions(resources={TRAIN_IO_MANAGER: TenantTrainingIOManager(postgres=PostgresResource())})
