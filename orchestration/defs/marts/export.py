"""`marts_export`: the marts as Parquet + DuckDB under <data_dir>/exports/<tenant slug or all>."""

# No `from __future__ import annotations`: Dagster inspects the context/config annotations at definition time.

from functools import cache

import dagster as dg

from orchestration.defs.marts.dbt import mart_asset_keys, postgres_settings
from orchestration.defs.resources import PostgresResource


class MartsExportConfig(dg.Config):
    tenant_slug: str = ""  # empty: every tenant in one snapshot ("all")


@cache
def marts_export_asset() -> dg.AssetsDefinition:
    @dg.asset(
        name="marts_export",
        group_name="marts",
        kinds={"parquet", "duckdb"},
        deps=mart_asset_keys(),
        description="Snapshot of every mart table to Parquet with a DuckDB file of views, for offline analysis.",
    )
    def _marts_export(config: MartsExportConfig, postgres: PostgresResource) -> dg.MaterializeResult:
        from warehouse.offline.export import export_marts
        from warehouse.repositories.tenants import tenant_id_for

        settings = postgres_settings(postgres)
        engine = postgres.admin_engine()
        tenant_id = None
        if config.tenant_slug:
            with engine.connect() as conn:
                tenant_id = tenant_id_for(conn, config.tenant_slug)
            if tenant_id is None:
                raise dg.Failure(f"tenant {config.tenant_slug!r} does not exist")
        result = export_marts(engine, settings.data_dir / "exports" / (config.tenant_slug or "all"),
                              tenant_id=tenant_id)
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
