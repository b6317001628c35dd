"""Tenants as Dagster partitions: every per-tenant asset is partitioned by tenant slug, the partitions follow
crm.tenant, a run for one tenant writes only that tenant's rows, a run for a tenant that does not exist fails with a
message naming it, and the instance config the demo writes limits runs per tenant (loaded with the real library)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from orchestration.defs.ingest import assets as a
from orchestration.defs.ingest import checks as c
from orchestration.defs.ingest.resources import InboxResource
from orchestration.defs.resources import PostgresResource
from orchestration.defs.tenants.sensors import sync_tenant_partitions, tenant_partitions_sensor
from orchestration.lib.partitions import TENANT_TAG, TENANTS_PARTITION, partition_changes
from tests.ingest_support import FakeEmbedderResource, vendor_email

REPO = Path(__file__).resolve().parents[2]
PER_TENANT = {"raw_emails", "parsed_requirements", "quarantined_messages", "consultant_profiles", "normalized_skills",
              "requirement_embeddings", "consultant_embeddings", "pair_features", "training_set", "ranker_model",
              "calibrator", "model_evaluation", "registered_model", "prior_model", "batch_recommendations",
              "drift_report", "marts_export"}
INGEST_TABLES = ("inbound_message", "requirement", "requirement_source", "embedding", "quarantine")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs as load

    return load()


def test_every_per_tenant_asset_is_partitioned_by_tenant_and_the_dbt_models_are_not(defs):
    partitioned, unpartitioned = set(), set()
    for spec in defs.resolve_all_asset_specs():
        pdef = spec.partitions_def
        if pdef is None:
            unpartitioned.add(spec.key.to_user_string())
        else:
            assert isinstance(pdef, dg.DynamicPartitionsDefinition) and pdef.name == TENANTS_PARTITION
            partitioned.add(spec.key.to_user_string())
    assert partitioned == PER_TENANT
    assert "marts/kpi_tenant_period" in unpartitioned and "retention_sweep" in unpartitioned


def test_partition_changes_add_new_tenants_and_drop_deleted_ones():
    assert partition_changes(["acme", "gone"], ["acme", "globex"]) == (["globex"], ["gone"])
    assert partition_changes([], []) == ([], [])


def test_the_inbox_sensor_requests_one_run_per_tenant_with_new_mail_for_its_partition(tmp_path):
    from orchestration.defs.ingest.sensors import inbox_sensor

    root = tmp_path / "inbox"
    for slug, files in (("acme", ["a.eml", "b.eml"]), ("globex", ["c.eml"])):
        (root / slug).mkdir(parents=True)
        for name in files:
            (root / slug / name).write_bytes(vendor_email(vendor_domain=f"{slug}.example"))
    (root / "initech").mkdir()  # a tenant with an empty folder gets no run
    inbox = InboxResource(folder=str(root))
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(TENANTS_PARTITION, ["acme", "globex", "initech"])
        tick = inbox_sensor(dg.build_sensor_context(instance=instance, resources={"inbox": inbox}))
        requests = {r.partition_key: r for r in tick.run_requests}
        assert set(requests) == {"acme", "globex"}
        assert requests["acme"].run_config["ops"]["raw_emails"]["config"]["folder_keys"] == ["a.eml", "b.eml"]
        assert requests["globex"].run_config["ops"]["raw_emails"]["config"]["folder_keys"] == ["c.eml"]
        assert requests["globex"].tags[TENANT_TAG] == "globex"
        (root / "globex" / "d.eml").write_bytes(vendor_email(vendor_domain="later.example"))
        later = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=tick.cursor,
                                                     resources={"inbox": inbox}))
        assert [(r.partition_key, r.run_config["ops"]["raw_emails"]["config"]["folder_keys"])
                for r in later.run_requests] == [("globex", ["d.eml"])]


def test_mail_outside_a_tenants_folder_is_named_on_every_tick_not_silently_left(tmp_path):
    from orchestration.defs.ingest.sensors import inbox_sensor

    root = tmp_path / "inbox"
    (root / "acme").mkdir(parents=True)
    (root / "stray.eml").write_bytes(vendor_email(vendor_domain="root.example"))
    (root / "acmee").mkdir()  # a typo of the tenant's slug
    inbox = InboxResource(folder=str(root))
    assert inbox.unclaimed(["acme"]) == ["acmee", "stray.eml"]
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(TENANTS_PARTITION, ["acme"])
        tick = inbox_sensor(dg.build_sensor_context(instance=instance, resources={"inbox": inbox}))
    assert not tick.run_requests
    assert "2 item(s) at the drop belong to no tenant" in tick.skip_reason.skip_message


def _delete_tenant(admin_engine, tenant_id) -> None:
    from warehouse.db import set_tenant

    with admin_engine.begin() as conn:
        set_tenant(conn, tenant_id)
        conn.execute(sa.text("delete from crm.tenant where id = :t"), {"t": tenant_id})


def test_the_sensor_adds_a_partition_per_tenant_and_removes_deleted_tenants(make_tenant, admin_engine):
    slug = f"part-{uuid.uuid4().hex[:8]}"
    tenant_id = make_tenant(slug)
    postgres = PostgresResource()
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(TENANTS_PARTITION, ["long-gone-tenant"])
        result = tenant_partitions_sensor(dg.build_sensor_context(instance=instance, resources={"postgres": postgres}))
        added = [r for r in result.dynamic_partitions_requests if isinstance(r, dg.AddDynamicPartitionsRequest)]
        deleted = [r for r in result.dynamic_partitions_requests if isinstance(r, dg.DeleteDynamicPartitionsRequest)]
        assert slug in added[0].partition_keys and deleted[0].partition_keys == ["long-gone-tenant"]

        sync_tenant_partitions(instance, postgres)  # the same changes, applied
        assert slug in instance.get_dynamic_partitions(TENANTS_PARTITION)
        assert "long-gone-tenant" not in instance.get_dynamic_partitions(TENANTS_PARTITION)
        again = tenant_partitions_sensor(dg.build_sensor_context(instance=instance, resources={"postgres": postgres}))
        assert not again.dynamic_partitions_requests and again.skip_reason is not None

        _delete_tenant(admin_engine, tenant_id)
        gone = tenant_partitions_sensor(dg.build_sensor_context(instance=instance, resources={"postgres": postgres}))
        assert [r.partition_keys for r in gone.dynamic_partitions_requests
                if isinstance(r, dg.DeleteDynamicPartitionsRequest)] == [[slug]]


def _ingest_job(inbox: InboxResource) -> dg.JobDefinition:
    defs = dg.Definitions(assets=a.INGEST_ASSETS, asset_checks=c.INGEST_CHECKS, jobs=[a.ingest_job],
                          resources={"postgres": PostgresResource(), "inbox": inbox,
                                     "ingest_embedder": FakeEmbedderResource()})
    return defs.resolve_job_def("ingest_job")


def _rows(admin_engine, tenant_id) -> dict[str, int]:
    with admin_engine.connect() as conn:
        return {t: conn.execute(sa.text(f"select count(*) from crm.{t} where tenant_id = :t"),
                                {"t": tenant_id}).scalar_one() for t in INGEST_TABLES}


def test_a_run_for_one_tenant_writes_only_that_tenants_rows(make_tenant, admin_engine, tmp_path):
    slugs = [f"iso-a-{uuid.uuid4().hex[:6]}", f"iso-b-{uuid.uuid4().hex[:6]}"]
    ids = {slug: make_tenant(slug) for slug in slugs}
    root = tmp_path / "inbox"
    for n, slug in enumerate(slugs):  # tenant a gets two requirements, tenant b three
        (root / slug).mkdir(parents=True)
        for i in range(2 + n):
            (root / slug / f"{i}.eml").write_bytes(vendor_email(vendor_domain=f"v{i}.example", rate=60 + i,
                                                                 client=f"Client {slug} {i}"))
    job = _ingest_job(InboxResource(folder=str(root)))
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(TENANTS_PARTITION, slugs)
        first = job.execute_in_process(instance=instance, partition_key=slugs[0], tags={TENANT_TAG: slugs[0]})
        assert first.success
        after_first = {slug: _rows(admin_engine, ids[slug]) for slug in slugs}
        assert after_first[slugs[0]]["inbound_message"] == 2 and after_first[slugs[0]]["embedding"] > 0
        assert set(after_first[slugs[1]].values()) == {0}  # the other tenant's partition is untouched
        second = job.execute_in_process(instance=instance, partition_key=slugs[1])
        assert second.success
        assert _rows(admin_engine, ids[slugs[0]]) == after_first[slugs[0]]  # and the first stays as it was
        assert _rows(admin_engine, ids[slugs[1]])["inbound_message"] == 3
        # Dagster records each materialization against its tenant's partition.
        materialized = {(e.asset_key.to_user_string(), e.partition) for r in (first, second)
                        for e in r.get_asset_materialization_events()
                        for e in [e.event_specific_data.materialization]}
        assert {("raw_emails", slugs[0]), ("raw_emails", slugs[1])} <= materialized


def test_a_run_for_a_tenant_that_does_not_exist_fails_with_a_message_naming_it(make_tenant, admin_engine, tmp_path):
    slug = f"deleted-{uuid.uuid4().hex[:6]}"
    _delete_tenant(admin_engine, make_tenant(slug))
    job = _ingest_job(InboxResource(folder=str(tmp_path)))
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(TENANTS_PARTITION, [slug])  # the sensor has not removed it yet
        result = job.execute_in_process(instance=instance, partition_key=slug, raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failures
    for failure in failures:
        error = failure.event_specific_data.error
        assert error.cls_name == "Failure", error.cls_name
        assert f"tenant {slug!r} does not exist" in error.message
        assert "sqlalchemy" not in error.to_string().lower()


def test_the_demo_instance_config_limits_runs_per_tenant(tmp_path):
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    for name in ("dagster.yaml", "dagster.postgres.yaml"):
        home = tmp_path / name.replace(".", "_")
        home.mkdir()
        shutil.copyfile(REPO / "infra" / "dagster" / name, home / "dagster.yaml")
        config = dg.DagsterInstance.from_config(str(home)).run_coordinator if name == "dagster.yaml" else None
        if config is None:  # the Postgres variant needs a database to open: check the same block is there
            import yaml

            block = yaml.safe_load((home / "dagster.yaml").read_text())["run_coordinator"]["config"]
            assert block["tag_concurrency_limits"] == yaml.safe_load(
                (REPO / "infra" / "dagster" / "dagster.yaml").read_text())["run_coordinator"]["config"][
                "tag_concurrency_limits"]
            continue
        limits = config.get_run_queue_config().tag_concurrency_limits

        def run(tenant: str) -> dg.DagsterRun:
            return dg.DagsterRun(job_name="full_pipeline_job", run_id=str(uuid.uuid4()),
                                 tags={"dagster/partition": tenant, TENANT_TAG: tenant})

        counter = TagConcurrencyLimitsCounter(limits, [run("acme")])
        assert counter.is_blocked(run("acme"))  # acme's backfill waits for its own run
        assert not counter.is_blocked(run("globex"))  # other tenants are not behind it
