"""The Dagster lineage end to end on the real embedded Postgres: IMAP server -> inbox_sensor -> ingest_job ->
requirements with embeddings; materialize twice is idempotent; blocking checks stop downstream assets."""

from __future__ import annotations

import uuid

import dagster as dg
import pytest
import sqlalchemy as sa
from imap_tools import MailBoxUnencrypted

from orchestration.defs.ingest import assets as a
from orchestration.defs.ingest import checks as c
from orchestration.defs.ingest.resources import EmbedderResource, InboxResource
from orchestration.defs.ingest.sensors import inbox_sensor
from orchestration.defs.resources import PostgresResource
from orchestration.lib.partitions import TENANTS_PARTITION, materialize_for_tenant
from tests.ingest.imap_server import start_imap_server
from tests.ingest_support import FakeEmbedderResource, materialization_metadata, sample_inbox, vendor_email


@pytest.fixture
def slug(make_tenant) -> str:
    name = f"ing-{uuid.uuid4().hex[:10]}"
    make_tenant(name)
    return name


@pytest.fixture
def tenant_conn(admin_engine, app_engine, slug):
    """`with tenant_conn() as conn:` a transaction for the test tenant, as the application role."""
    from warehouse.db import tenant_tx
    from warehouse.repositories.tenants import tenant_id_for

    with admin_engine.connect() as conn:
        tid = tenant_id_for(conn, slug)
    return lambda: tenant_tx(tid, app_engine)


def _defs(inbox: InboxResource, embedder: EmbedderResource) -> dg.Definitions:
    return dg.Definitions(assets=a.INGEST_ASSETS, asset_checks=c.INGEST_CHECKS, jobs=[a.ingest_job],
                          sensors=[inbox_sensor],
                          resources={"postgres": PostgresResource(), "inbox": inbox, "ingest_embedder": embedder})


def _checks(result) -> dict[str, bool]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed for e in result.get_asset_check_evaluations()}


def _scalar(open_tx, sql: str) -> int:
    with open_tx() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_imap_messages_flow_through_sensor_and_job_into_embedded_requirements(slug, tenant_conn, tmp_path):
    server = start_imap_server()
    user = f"u{uuid.uuid4().hex[:8]}"
    server.add_account(user, "pw")
    messages = [
        vendor_email(vendor_domain="apex.example", rate=68),
        vendor_email(vendor_domain="tek.example", rate=65),
        vendor_email(vendor_domain="nexus.example", rate=70),
        vendor_email(role="Java Full Stack Lead", city="Dallas", skills="Java, Spring Boot, Microservices, React",
                     client="Mercury Health", rate=75),
        b"\x00\x01\x02 this is not an e-mail \xff\xfe" * 40,
    ]
    with MailBoxUnencrypted(server.host, server.port, timeout=10).login(user, "pw") as box:
        for raw in messages:
            box.append(raw, "INBOX", flag_set=["\\Flagged"])
    inbox = InboxResource(folder=str(tmp_path / "inbox"), imap_host=server.host, imap_port=server.port,
                          imap_username=user, imap_password="pw", imap_security="none", imap_tenant=slug)
    defs = _defs(inbox, EmbedderResource())  # the real sentence-transformers model
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(TENANTS_PARTITION, [slug, "other-tenant"])

    tick = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=None, resources={"inbox": inbox}))
    assert len(tick.run_requests) == 1  # the mailbox is the test tenant's; "other-tenant" has nothing new
    request = tick.run_requests[0]
    assert request.partition_key == slug and request.tags["benchcrm/tenant"] == slug
    assert request.run_config["ops"]["raw_emails"]["config"]["imap_uids"] == ["1", "2", "3", "4", "5"]
    result = defs.resolve_job_def("ingest_job").execute_in_process(run_config=request.run_config,
                                                                    instance=instance,
                                                                    partition_key=request.partition_key)
    assert result.success
    checks = _checks(result)
    assert checks and all(checks.values()), checks

    rows = []
    with tenant_conn() as conn:
        rows = conn.execute(sa.text(
            "select r.title, count(distinct s.id) as sources, max(e.dims) as dims, max(e.model) as model "
            "from crm.requirement r join crm.requirement_source s on s.requirement_id = r.id "
            "join crm.embedding e on e.entity_id = r.id and e.entity_type = 'requirement' "
            "group by r.id order by r.title")).all()
        nearest = conn.execute(sa.text(
            "select r.title from crm.embedding e join crm.requirement r on r.id = e.entity_id "
            "order by e.vector <=> (select vector from crm.embedding e2 join crm.requirement r2 "
            "on r2.id = e2.entity_id where r2.title like 'Java%') limit 1")).scalar_one()
        quarantined = conn.execute(sa.text("select reason from crm.quarantine")).scalars().all()
    assert [(r.sources, r.dims) for r in rows] == [(1, 384), (3, 384)]
    assert "Java" in rows[0].title and "Data Engineer" in rows[1].title
    assert nearest.startswith("Java")  # a pgvector query over the stored embeddings works
    assert len(quarantined) == 1 and quarantined[0].split(":")[0] in {"binary", "undecodable", "no_headers"}

    # The cursor moved past everything: the next tick launches nothing.
    again = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=tick.cursor, resources={"inbox": inbox}))
    assert not again.run_requests
    # One new message: exactly that UID is requested.
    with MailBoxUnencrypted(server.host, server.port, timeout=10).login(user, "pw") as box:
        box.append(vendor_email(role="ServiceNow Developer", skills="ServiceNow, JavaScript", client="Acme Retail"),
                   "INBOX", flag_set=["\\Flagged"])
    later = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=again.cursor,
                                                 resources={"inbox": inbox}))
    assert later.run_requests[0].run_config["ops"]["raw_emails"]["config"]["imap_uids"] == ["6"]


def test_materializing_twice_is_idempotent_and_second_run_does_no_work(slug, tenant_conn, tmp_path):
    inbox = InboxResource(folder=str(sample_inbox(tmp_path, slug)))
    resources = {"postgres": PostgresResource(), "inbox": inbox,
                 "ingest_embedder": FakeEmbedderResource()}
    first = materialize_for_tenant([*a.INGEST_ASSETS, *c.INGEST_CHECKS], tenant=slug, resources=resources)
    assert first.success and all(_checks(first).values()), _checks(first)
    counts = {t: _scalar(tenant_conn, f"select count(*) from crm.{t}") for t in (
        "inbound_message", "requirement", "requirement_source", "requirement_skill", "embedding", "quarantine",
        "consultant", "consultant_skill")}
    assert counts["requirement"] == 4 and counts["requirement_source"] == 5 and counts["consultant"] == 2
    assert counts["quarantine"] == 1 and counts["embedding"] == 6

    second = materialize_for_tenant([*a.INGEST_ASSETS, *c.INGEST_CHECKS], tenant=slug, resources=resources)
    assert second.success and all(_checks(second).values())
    assert counts == {t: _scalar(tenant_conn, f"select count(*) from crm.{t}") for t in counts}
    meta = materialization_metadata(second)
    assert meta["raw_emails"]["new_messages"].value == 0
    assert meta["parsed_requirements"]["messages_processed"].value == 0
    assert meta["requirement_embeddings"]["embedded"].value == 0
    assert meta["consultant_embeddings"]["embedded"].value == 0
    first_meta = materialization_metadata(first)
    assert first_meta["parsed_requirements"]["quarantine_rate"].value == round(1 / 6, 4)
    assert "|" in first_meta["parsed_requirements"]["sample_records"].value


def test_blocking_rate_check_keeps_downstream_assets_from_running(slug, tenant_conn, tmp_path):
    inbox = InboxResource(folder=str(tmp_path / "empty"))
    with tenant_conn() as conn:
        tid = conn.execute(sa.text("select app.current_tenant()")).scalar_one()
        conn.execute(sa.text(
            "insert into crm.requirement (tenant_id, title, extraction_status, bill_rate_max) "
            "values (:t, 'Typo Rate Engineer', 'extracted', 6800)"), {"t": tid})
    resources = {"postgres": PostgresResource(), "inbox": inbox,
                 "ingest_embedder": FakeEmbedderResource()}
    result = materialize_for_tenant([*a.INGEST_ASSETS, *c.INGEST_CHECKS], tenant=slug, resources=resources,
                                    raise_on_error=False)
    checks = _checks(result)
    assert checks["parsed_requirements:rates_in_plausible_range"] is False
    assert checks["parsed_requirements:requirements_have_title_and_skills"] is False  # no skills either
    materialized = set(materialization_metadata(result))
    assert "parsed_requirements" in materialized
    assert not materialized & {"normalized_skills", "requirement_embeddings", "consultant_embeddings"}
    assert _scalar(tenant_conn, "select count(*) from crm.embedding") == 0


def test_skills_check_fails_when_most_mentions_do_not_resolve(slug, tenant_conn, tmp_path):
    with tenant_conn() as conn:
        tid = conn.execute(sa.text("select app.current_tenant()")).scalar_one()
        cid = conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name) values (:t, 'X Y') "
                                   "returning id"), {"t": tid}).scalar_one()
        for raw in ("Java", "qqq-1", "qqq-2", "qqq-3"):
            conn.execute(sa.text("insert into crm.consultant_skill (tenant_id, consultant_id, raw_name) "
                                 "values (:t, :c, :r)"), {"t": tid, "c": cid, "r": raw})
    resources = {"postgres": PostgresResource(), "inbox": InboxResource(folder=str(tmp_path)),
                 "ingest_embedder": FakeEmbedderResource()}
    result = materialize_for_tenant([a.normalized_skills, c.skills_resolvable_rate_above_90pct], tenant=slug,
                                    resources=resources, raise_on_error=False)
    evaluation = result.get_asset_check_evaluations()[0]
    assert evaluation.passed is False and evaluation.metadata["resolved_rate"].value == 0.25


def test_ingest_definitions_load_with_groups_owners_and_the_job(tmp_path):
    from orchestration.definitions import defs

    d = defs()
    graph = d.resolve_asset_graph()
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()
              if k.to_user_string() in {x.key.to_user_string() for x in a.INGEST_ASSETS}}
    assert groups == {"raw_emails": "ingest", "parsed_requirements": "parse", "quarantined_messages": "parse",
                      "consultant_profiles": "parse", "normalized_skills": "normalize",
                      "requirement_embeddings": "embed", "consultant_embeddings": "embed"}
    job = d.resolve_job_def("ingest_job")
    assert {n.name for n in job.nodes} >= set(groups)
    assert d.resolve_sensor_def("inbox_sensor").job_name == "ingest_job"
    assert all(spec.owners == ["team:data-platform"] and spec.description for spec in d.resolve_all_asset_specs()
               if spec.key.to_user_string() in groups)
