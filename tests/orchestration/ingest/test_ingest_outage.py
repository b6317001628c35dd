"""The database stops in the middle of a Dagster run: the run fails (a failed step naming the lost connection, no
hang, no partial state that a re-run trips over), and once the database is back a re-run completes with exactly
the rows one clean run makes. The server stopped is the test's own (tests/private_db.py), never the session's."""

from __future__ import annotations

import uuid

import dagster as dg
import numpy as np
import sqlalchemy as sa

from orchestration.defs.ingest import assets as a
from orchestration.defs.ingest import checks as c
from orchestration.defs.ingest.resources import EmbedderResource, InboxResource
from orchestration.defs.resources import PostgresResource
from orchestration.lib.partitions import materialize_for_tenant
from tests.ingest_support import HashingEmbedder, sample_inbox
from tests.private_db import private_embedded
from warehouse.embedded import admin_url, restart_embedded, stop_embedded

TABLES = ("inbound_message", "requirement", "requirement_source", "requirement_skill", "embedding", "quarantine",
          "consultant", "consultant_skill")


class StopsTheDatabase(HashingEmbedder):
    """Embeds like the test embedder, but the first call stops the database first: rows are parsed and written,
    embeddings are not (a crash in the middle of the run, at a deterministic point)."""

    pg_data_dir = None

    def encode(self, texts) -> np.ndarray:
        if StopsTheDatabase.pg_data_dir is not None:
            stop_embedded(StopsTheDatabase.pg_data_dir)
            StopsTheDatabase.pg_data_dir = None
        return super().encode(texts)


_EMBEDDER = StopsTheDatabase()


class OutageEmbedderResource(EmbedderResource):
    def encoder(self) -> StopsTheDatabase:
        return _EMBEDDER


def test_a_run_cut_by_a_database_outage_fails_cleanly_and_a_rerun_completes_without_duplicates(tmp_path):
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.repositories.tenants import ensure_tenant
    from warehouse.settings import Settings

    with private_embedded("bcrm-dag-") as own:
        # The resource names its server by URL (as with an external one); the roles are asserted for that view.
        url = admin_url(own)
        engine, _ = prepare_database(Settings(database_url=url, data_dir=own.data_dir))
        slug = f"outage-{uuid.uuid4().hex[:8]}"
        with engine.begin() as conn:
            sync_taxonomy(conn, load_taxonomy())
            tenant = ensure_tenant(conn, slug=slug)
        resources = {"postgres": PostgresResource(database_url=url),
                     "inbox": InboxResource(folder=str(sample_inbox(tmp_path, slug))),
                     "ingest_embedder": OutageEmbedderResource()}
        selection = [*a.INGEST_ASSETS, *c.INGEST_CHECKS]

        def counts() -> dict[str, int]:
            with engine.begin() as conn:
                conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
                return {t: conn.execute(sa.text(f"select count(*) from crm.{t} where tenant_id = :t"),
                                        {"t": tenant}).scalar() for t in TABLES}

        StopsTheDatabase.pg_data_dir = own.pg_data_dir
        try:
            cut = materialize_for_tenant(selection, tenant=slug, resources=resources, raise_on_error=False)
        finally:
            restart_embedded(own.pg_data_dir)
        assert not cut.success
        failures = [e for e in cut.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
        assert failures
        assert any("OperationalError" in str(e.event_specific_data.error) or "connection" in
                   str(e.event_specific_data.error).lower() for e in failures)
        mid = counts()
        assert mid["inbound_message"] > 0 and mid["embedding"] < 6  # cut after parsing, before all embeddings

        rerun = materialize_for_tenant(selection, tenant=slug, resources=resources)
        assert rerun.success
        after = counts()
        # the same rows one clean run makes (tests/ingest/test_ingest_assets.py), nothing twice
        assert (after["requirement"], after["requirement_source"], after["consultant"], after["quarantine"],
                after["embedding"]) == (4, 5, 2, 1, 6)
        again = materialize_for_tenant(selection, tenant=slug, resources=resources)
        assert again.success and counts() == after
