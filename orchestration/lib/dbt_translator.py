"""How dbt resources appear in Dagster: dbt sources become the Python assets that write those crm tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

# crm table (dbt source) -> the Dagster asset that writes it. Tables written by the API rather than by a
# pipeline asset share one external asset, CRM_OPERATIONAL_TABLES.
CRM_OPERATIONAL_TABLES = "crm_operational_tables"
SOURCE_ASSET_KEYS: dict[str, str] = {
    "requirement": "parsed_requirements",
    "consultant": "consultant_profiles",
    "inbound_message": "raw_emails",
    "recommendation": "batch_recommendations",
    "match_run": "batch_recommendations",
}
MARTS_GROUP = "marts"


def source_asset_key(table_name: str) -> dg.AssetKey:
    return dg.AssetKey(SOURCE_ASSET_KEYS.get(table_name, CRM_OPERATIONAL_TABLES))


class MartsTranslator(DagsterDbtTranslator):
    """dbt models keep their model name as key and go to group `marts`; sources map to upstream asset keys."""

    def __init__(self) -> None:
        # Several crm tables collapse into one upstream asset (crm_operational_tables, batch_recommendations).
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=source_asset_key(props["name"]))
        return spec.replace_attributes(group_name=MARTS_GROUP).merge_attributes(kinds={"postgres"})
