"""The dbt project as Dagster assets: every model an asset downstream of the Python assets it reads, every dbt
test an asset check. `@dbt_assets` in a cached factory (see docs/adr/0008), so nothing is parsed at import."""

# No `from __future__ import annotations`: Dagster inspects the context/config annotations at definition time.

from collections.abc import Iterator
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.resources import PostgresResource
from orchestration.lib.dbt_translator import CRM_OPERATIONAL_TABLES, MartsTranslator
from warehouse.dbt_env import WARN_ERROR_ARGS

# `dbt build` = models + data tests (asset checks) + unit tests; deprecations fail it, as in CI.
DBT_BUILD_ARGS: tuple[str, ...] = ("build", *WARN_ERROR_ARGS)


class _ParseWithOurDbt(DagsterDbtProjectPreparer):
    """`dbt parse` with the dbt found next to this interpreter: the stock preparer looks only on PATH, which a
    code server started from an un-activated virtualenv (`dg dev`, `dg check defs`) does not have."""

    def prepare(self, project: DbtProject) -> None:
        dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()


@cache
def dbt_project() -> DbtProject:
    """The dbt project, with its manifest prepared if missing (`dbt parse` needs no database)."""
    from warehouse.dbt_env import DBT_PROJECT_DIR

    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    preparer = _ParseWithOurDbt()
    # Under `dg dev` re-parse on every reload (what prepare_if_dev does); elsewhere (tests, CI, a deployed code
    # server) parse only when a fresh checkout has no manifest yet.
    if preparer.using_dagster_dev() or not project.manifest_path.exists():
        preparer.prepare(project)
    return project


def postgres_settings(postgres: PostgresResource):
    from warehouse.settings import Settings, get_settings

    return Settings(database_url=postgres.database_url) if postgres.database_url else get_settings()


def dbt_resource() -> DbtCliResource:
    from warehouse.dbt_env import DBT_PROJECT_DIR, dbt_executable

    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )


def dbt_build_args() -> list[str]:
    return list(DBT_BUILD_ARGS)


@cache
def marts_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=MartsTranslator(),
        name="benchcrm_dbt_models",
    )
    def _assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, postgres: PostgresResource) -> Iterator[Any]:
        from warehouse.dbt_env import dbt_environment

        # dagster-dbt passes os.environ to the dbt CLI: set the owner connection for the run's duration.
        with dbt_environment(postgres_settings(postgres)):
            yield from dbt.cli(dbt_build_args(), context=context).stream()
        # The other placement servers' marts (warehouse/placement.py): the same build on each of them.
        from warehouse.dbt_env import run_dbt_on_servers

        for server, proc in run_dbt_on_servers(postgres_settings(postgres), *dbt_build_args()).items():
            if proc.returncode != 0:
                raise dg.Failure(f"dbt build on database server {server!r} failed", metadata={
                    "output": dg.MetadataValue.text(proc.stdout[-4000:])})

    return _assets


def mart_asset_keys() -> list[dg.AssetKey]:
    """Keys of the tables in the `marts` schema (what BI tools and the export see)."""
    keys = marts_dbt_assets().keys_by_output_name.values()
    marts = {
        node["name"]
        for node in _manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }
    return sorted((key for key in keys if key.path[-1] in marts), key=lambda k: k.to_string())


def _manifest() -> dict[str, Any]:
    import json

    return json.loads(dbt_project().manifest_path.read_text())


crm_operational_tables = dg.AssetSpec(
    CRM_OPERATIONAL_TABLES,
    group_name="crm",
    kinds={"postgres"},
    description="crm tables written by the API (submissions, interviews, offers, placements, companies, users, "
    "tenants): an external asset upstream of the dbt staging models.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[marts_dbt_assets(), crm_operational_tables], resources={"dbt": dbt_resource()})
