"""Dates parsed from emails and resumes are bounded (issue 13, finding 7): an implausible one is stored as
unknown, with the reason in the quarantine list, and never reaches the tables the marts read."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ml.ingest.pipeline import process_message, process_resume
from tests.ingest_support import resume_txt, vendor_email


def test_an_absurd_start_date_in_an_email_is_stored_as_unknown_with_a_reason(tx, tenant, embedder):
    raw = vendor_email(extra="Start Date: 12/31/9999")
    with tx() as conn:
        out = process_message(conn, tenant_id=tenant, raw=raw, source="api", embedder=embedder)
        start = conn.execute(sa.text("select start_date from crm.requirement where id = :id"),
                             {"id": out.requirement_id}).scalar()
        reasons = conn.execute(sa.text("select reason from crm.quarantine where entity_type = 'requirement_field'")
                               ).scalars().all()
    assert out.status == "parsed" and out.requirement_id is not None  # the requirement itself is kept
    assert start is None
    assert any(r.startswith("implausible_start_date: 9999-12-31 is outside 1970-01-01..") for r in reasons), reasons


def test_a_plausible_start_date_is_kept(tx, tenant, embedder):
    with tx() as conn:
        out = process_message(conn, tenant_id=tenant, raw=vendor_email(extra="Start Date: 01/04/2027"),
                              source="api", embedder=embedder)
        start = conn.execute(sa.text("select start_date from crm.requirement where id = :id"),
                             {"id": out.requirement_id}).scalar()
    assert start is not None and start.isoformat() == "2027-01-04"


def test_an_email_dated_in_the_year_9999_does_not_date_the_requirement_there(tx, tenant, embedder):
    raw = vendor_email(when=datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
    with tx() as conn:
        out = process_message(conn, tenant_id=tenant, raw=raw, source="api", embedder=embedder)
        received = conn.execute(sa.text("select received_at from crm.requirement where id = :id"),
                                {"id": out.requirement_id}).scalar()
        inbound = conn.execute(sa.text("select received_at from crm.inbound_message")).scalars().all()
    assert received.year == datetime.now(UTC).year
    assert all(r is None or r.year < 9999 for r in inbound)


def test_an_absurd_availability_in_a_resume_is_stored_as_unknown_with_a_reason(tx, tenant, embedder):
    data = resume_txt() + b"Available from 12/31/9999\n"
    with tx() as conn:
        out = process_resume(conn, tenant_id=tenant, filename="priya.txt", data=data, content_type="text/plain",
                             embedder=embedder)
        available = conn.execute(sa.text("select available_from from crm.consultant where id = :id"),
                                 {"id": out.consultant_id}).scalar()
        reasons = conn.execute(sa.text("select reason from crm.quarantine where entity_type = 'resume_field'")
                               ).scalars().all()
    assert out.status == "created" and available is None
    assert reasons == [reasons[0]] and reasons[0].startswith("implausible_available_from: 9999-12-31")
