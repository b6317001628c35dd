"""Inserts sent as one statement (warehouse/repositories/together.py, docs/adr/0026): a recommendation's run, items,
queued snapshots, audit row and event land together or not at all."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from warehouse.db import tenant_tx
from warehouse.repositories.audit import audit_row
from warehouse.repositories.outbox import event_row
from warehouse.repositories.recommendations import StoredItem, insert_run
from warehouse.repositories.together import Insert, statement


def _world(app_engine, tenant) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with tenant_tx(tenant, app_engine) as conn:
        req = conn.execute(sa.text("insert into crm.requirement (tenant_id, title) values (:t, 'Java') returning id"),
                           {"t": tenant}).scalar_one()
        cons = [conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name) values (:t, :n) returning id"),
                             {"t": tenant, "n": f"C {i}"}).scalar_one() for i in range(3)]
    return req, cons


def _run(conn, tenant, req, cons, along) -> uuid.UUID:
    items = [StoredItem(requirement_id=req, consultant_id=c, rank=i + 1, match_score=(0.9, 0.8, 0.7)[i],
                        success_probability=None if i else 0.25, reasons=["fits"], factors={"rate": {"value": 0.5}},
                        features={"f": i}) for i, c in enumerate(cons)]
    return insert_run(conn, tenant_id=tenant, kind="api", direction="requirement_to_consultants", anchor_id=req,
                      model_version="m/1", params={"top_k": 3}, stats={}, created_by=None,
                      finished_at=datetime.now(UTC), items=items, feature_version="v2", defer_snapshots=True,
                      along=along)


def _counts(admin_engine, tenant) -> tuple[int, ...]:
    with admin_engine.connect() as conn:
        return tuple(conn.execute(sa.text(f"select count(*) from crm.{table} where tenant_id = :t"),
                                  {"t": tenant}).scalar_one()
                     for table in ("match_run", "recommendation", "feature_snapshot_pending", "audit_log", "outbox"))


def _along(tenant, run_hint: str, actor_type: str = "user") -> list[Insert]:
    return [audit_row(tenant_id=tenant, actor_id=None, actor_type=actor_type, action="recommend", entity="match_run",
                      entity_id=None, after={"run": run_hint}),
            event_row(tenant_id=tenant, event_type="recommendations.generated", aggregate_type="match_run",
                      aggregate_id=None, payload={"run": run_hint})]


def test_run_items_queue_audit_and_event_are_written_by_one_statement(app_engine, admin_engine, make_tenant):
    tenant = make_tenant()
    req, cons = _world(app_engine, tenant)
    statements: list[str] = []

    def count(_conn, _cursor, sql, *_args) -> None:
        statements.append(sql)

    with tenant_tx(tenant, app_engine) as conn:
        sa.event.listen(app_engine, "before_cursor_execute", count)
        try:
            run = _run(conn, tenant, req, cons, _along(tenant, "ok"))
        finally:
            sa.event.remove(app_engine, "before_cursor_execute", count)
    assert len(statements) == 1 and statements[0].startswith("with w0 as (insert into crm.match_run")
    assert _counts(admin_engine, tenant) == (1, 3, 1, 1, 1)
    with admin_engine.connect() as conn:
        rows = conn.execute(sa.text("select rank, match_score, success_probability, reasons, factors, inputs "
                                    "from crm.recommendation where match_run_id = :r order by rank"), {"r": run}).all()
    assert [tuple(r) for r in rows] == [
        (1, 0.9, 0.25, ["fits"], {"rate": {"value": 0.5}}, {"feature_version": "v2"}),
        (2, 0.8, None, ["fits"], {"rate": {"value": 0.5}}, {"feature_version": "v2"}),
        (3, 0.7, None, ["fits"], {"rate": {"value": 0.5}}, {"feature_version": "v2"})]


def test_a_failing_part_writes_nothing_of_the_others(app_engine, admin_engine, make_tenant):
    tenant = make_tenant()
    req, cons = _world(app_engine, tenant)
    with pytest.raises(sa.exc.IntegrityError, match="actor_type"), tenant_tx(tenant, app_engine) as conn:
        _run(conn, tenant, req, cons, _along(tenant, "bad", actor_type="robot"))  # violates a CHECK
    assert _counts(admin_engine, tenant) == (0, 0, 0, 0, 0)


def test_parts_may_share_a_parameter_only_for_the_same_value():
    same = statement([Insert("insert into a values (:x)", {"x": 1}), Insert("insert into b values (:x)", {"x": 1})])
    assert same == ("with w0 as (insert into a values (:x)), w1 as (insert into b values (:x)) select 1", {"x": 1})
    with pytest.raises(ValueError, match="'x'"):
        statement([Insert("insert into a values (:x)", {"x": 1}), Insert("insert into b values (:x)", {"x": 2})])
