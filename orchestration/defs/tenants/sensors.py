"""`tenant_partitions_sensor`: the `tenants` partitions follow the tenants (crm.tenant and the placement directory,
on every server). A tenant created with `benchcrm tenant create` (or seeded) gets its partition within a minute; a
deleted tenant's partition goes away, so backfills and the inbox sensor never target it (a run already launched for
it fails with a message naming the tenant)."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.resources import PostgresResource
from orchestration.lib.partitions import TENANTS_PARTITION, partition_changes


def _changes(instance: dg.DagsterInstance, postgres: PostgresResource) -> tuple[list[str], list[str], list[str]]:
    """(tenants, partitions to add, partitions to delete)."""
    from warehouse.placement import all_tenant_slugs

    tenants = all_tenant_slugs(postgres._settings())  # on every server (the directory)
    return tenants, *partition_changes(instance.get_dynamic_partitions(TENANTS_PARTITION), tenants)


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a `tenants` partition for every row of crm.tenant and removes those of deleted tenants.")
def tenant_partitions_sensor(context: dg.SensorEvaluationContext,
                             postgres: PostgresResource) -> dg.SensorResult:
    tenants, add, delete = _changes(context.instance, postgres)
    requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if add:
        requests.append(dg.AddDynamicPartitionsRequest(partitions_def_name=TENANTS_PARTITION, partition_keys=add))
    if delete:
        requests.append(dg.DeleteDynamicPartitionsRequest(partitions_def_name=TENANTS_PARTITION,
                                                          partition_keys=delete))
    if not requests:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"partitions match the {len(tenants)} tenants"))
    context.log.info(f"tenant partitions: +{add} -{delete}")
    return dg.SensorResult(dynamic_partitions_requests=requests)


def sync_tenant_partitions(instance: dg.DagsterInstance, postgres: PostgresResource) -> tuple[list[str], list[str]]:
    """The sensor's work done now (the demo and the benchmarks run before any daemon ticks)."""
    _, add, delete = _changes(instance, postgres)
    if add:
        instance.add_dynamic_partitions(TENANTS_PARTITION, add)
    for key in delete:
        instance.delete_dynamic_partition(TENANTS_PARTITION, key)
    return add, delete
