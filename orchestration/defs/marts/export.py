"""`marts_export`: one tenant's marts as Parquet + DuckDB under <data_dir>/exports/<tenant slug> (a partition per
tenant; `benchcrm marts --export` still writes every tenant into one snapshot, "all")."""

# No `from __future__ import annotations`: Dagster inspects the context/config annotations at definition time.

from functools import cache

import dagster as dg

from orchestration.defs.marts.dbt import mart_asset_keys, postgres_settings
from orchestration.defs.resources import PostgresResource, tenant_database
from orchestration.lib.partitions import tenants_partitions


@cache
def marts_export_asset() -> dg.AssetsDefinition:
    @dg.asset(
        name="marts_export",
        group_name="marts",
        kinds={"parquet", "duckdb"},
        deps=mart_asset_keys(),
        partitions_def=tenants_partitions,
        description="Snapshot of every mart table's rows of the tenant to Parquet with a DuckDB file of views, for "
                    "offline analysis.",
    )
    def _marts_export(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
        from warehouse.offline.export import export_marts

        db = tenant_database(context, postgres)
        settings = postgres_settings(postgres)
        result = export_marts(db.admin_engine(), settings.data_dir / "exports" / db.tenant_slug,
                              tenant_id=db.tenant_id())
        return dg.MaterializeResult(metadata={
            "directory": dg.MetadataValue.path(str(result.directory)),
            "duckdb": dg.MetadataValue.path(str(result.duckdb_path)),
            "tables": len(result.row_counts),
            "rows": dg.MetadataValue.json(result.row_counts),
        })

    return _marts_export


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[marts_export_asset()])
