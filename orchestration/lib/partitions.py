"""The tenant partitioning of every per-tenant asset: one Dagster dynamic partition per tenant slug.

`tenant_partitions_sensor` (defs/tenants/sensors.py) keeps the partitions equal to the rows of crm.tenant; runs are
tagged with TENANT_TAG so the instance's tag concurrency limits (infra/dagster/*.yaml) apply per tenant."""

from __future__ import annotations

import dagster as dg

TENANTS_PARTITION = "tenants"
TENANT_TAG = "benchcrm/tenant"

tenants_partitions = dg.DynamicPartitionsDefinition(name=TENANTS_PARTITION)


def tenant_tags(slug: str) -> dict[str, str]:
    """Tags of a run for one tenant (what the concurrency limit counts per unique value)."""
    return {TENANT_TAG: slug}


def partition_changes(current: list[str], tenants: list[str]) -> tuple[list[str], list[str]]:
    """(partitions to add, partitions to delete) so that the partitions equal the tenants."""
    have, want = set(current), set(tenants)
    return sorted(want - have), sorted(have - want)


def materialize_for_tenant(assets: list, *, tenant: str, resources: dict, instance: dg.DagsterInstance | None = None,
                           **kwargs) -> dg.ExecuteInProcessResult:
    """`dg.materialize` of `assets` for one tenant's partition, adding the partition to `instance` (an ephemeral one
    by default) when missing: what tests and benchmarks run, the same partitioned assets as the deployment."""
    instance = instance or dg.DagsterInstance.ephemeral()
    if not instance.has_dynamic_partition(TENANTS_PARTITION, tenant):
        instance.add_dynamic_partitions(TENANTS_PARTITION, [tenant])
    return dg.materialize(assets, resources=resources, instance=instance, partition_key=tenant,
                          tags={**tenant_tags(tenant), **kwargs.pop("tags", {})}, **kwargs)
