"""How the ranking assets hand values to each other: files in the tenant's training folder of the data folder
(`<data_dir>/ml/<tenant>/values/<asset>.parquet|.pkl`, ml.training.store). Each asset takes its upstream as an
argument, so the lineage in the UI is what the code reads; the folder is per deployment (data_dir) and per
tenant (the Postgres resource's tenant), so two tenants never read each other's values."""

from __future__ import annotations

from typing import Any

import dagster as dg

from orchestration.defs.resources import PostgresResource

TRAIN_IO_MANAGER = "train_io_manager"


class TenantTrainingIOManager(dg.ConfigurableIOManager):
    postgres: PostgresResource

    def _store(self):
        from ml.training.store import ArtifactStore

        return ArtifactStore.for_tenant(self.postgres._settings(), self.postgres.tenant_slug)

    @staticmethod
    def _name(key: dg.AssetKey) -> str:
        return "__".join(key.path)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        path = self._store().write_value(self._name(context.asset_key), obj)
        context.add_output_metadata({"value_path": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext) -> Any:
        return self._store().read_value(self._name(context.asset_key))


def train_resources(postgres: PostgresResource) -> dict[str, Any]:
    """The resources the ranking assets need, for one tenant (definitions, tests and benchmarks alike)."""
    return {"postgres": postgres, TRAIN_IO_MANAGER: TenantTrainingIOManager(postgres=postgres)}


@dg.definitions
def train_io() -> dg.Definitions:
    from orchestration.defs.resources import default_postgres

    return dg.Definitions(resources={TRAIN_IO_MANAGER: TenantTrainingIOManager(postgres=default_postgres())})
