"""A small hand-built tenant whose KPIs are computed by hand in tests/dbt/test_kpi_values.py.

Week of Monday 2026-01-05 (UTC). Three requirements (Q3 has no events at all), two recruiters (+ a service
account), five sent submissions and one draft, two placements (P2 has no bill rate), two ranker versions and an
evaluation run that production KPIs must ignore.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from warehouse.db import set_tenant


@dataclass
class KpiWorld:
    tenant_id: uuid.UUID
    ids: dict[str, uuid.UUID] = field(default_factory=dict)


def _ins(conn: sa.Connection, table: str, row: dict) -> None:
    cols = ", ".join(row)
    vals = ", ".join(f":{k}" for k in row)
    conn.execute(sa.text(f"insert into crm.{table} ({cols}) values ({vals})"), row)


def build_kpi_world(conn: sa.Connection, tenant_id: uuid.UUID) -> KpiWorld:
    """Insert the hand-computed fixture for `tenant_id` (owner connection)."""
    set_tenant(conn, tenant_id)
    w = KpiWorld(tenant_id)
    names = ["R1", "R2", "SVC", "C1", "C2", "V1", "V2", "V3", "K1", "K2", "K3", "K4", "Q1", "Q2", "Q3",
             "M1", "M2", "M3", "S1", "S2", "S3", "S4", "S5", "S6", "P1", "P2"]
    w.ids = {n: uuid.uuid4() for n in names}
    i, t = w.ids, tenant_id

    def ts(text: str) -> str:
        return f"{text}+00"

    for key, name, role, svc in [("R1", "Rita One", "Recruiter", False), ("R2", "Sam Two", "Recruiter", False),
                                 ("SVC", "Ingest Bot", "Admin", True)]:
        _ins(conn, "app_user", {"id": i[key], "tenant_id": t, "email": f"{key.lower()}-{t.hex[:6]}@x.test",
                                "full_name": name, "role_name": role, "is_service_account": svc})
    for key, name, kind in [("C1", "Acme Bank", "client"), ("C2", "Globex", "client"),
                            ("V1", "Prime One", "vendor"), ("V2", "Silent Partner", "prime_vendor"),
                            ("V3", "Quiet Staffing", "vendor")]:
        _ins(conn, "company", {"id": i[key], "tenant_id": t, "name": name, "kind": kind})
    for key, status, rate, bench_since, available in [
        ("K1", "placed", 50, date(2025, 12, 1), None),
        ("K2", "marketing", 40, None, date(2025, 12, 15)),
        ("K3", "placed", 45, date(2026, 1, 1), None),
        ("K4", "bench", None, None, None),
    ]:
        _ins(conn, "consultant", {"id": i[key], "tenant_id": t, "full_name": f"Consultant {key}", "status": status,
                                  "hourly_rate": rate, "bench_since": bench_since, "available_from": available})
    for key, vendor, received, status, months in [
        ("Q1", "V1", "2026-01-05 09:00", "filled", 6),
        ("Q2", "V2", "2026-01-06 10:00", "filled", None),
        ("Q3", "V1", "2026-01-07 12:00", "open", None),
    ]:
        _ins(conn, "requirement", {"id": i[key], "tenant_id": t, "title": f"Req {key}", "client_company_id": i["C1"],
                                   "vendor_company_id": i[vendor], "received_at": ts(received), "status": status,
                                   "duration_months": months, "recruiter_id": i["R1"]})
    for key, kind, anchor, version, started in [
        ("M1", "batch", "Q1", "v1", "2026-01-05 09:03"),
        ("M2", "api", "Q2", "v2", "2026-01-06 10:10"),
        ("M3", "evaluation", "Q3", "v1", "2026-01-07 12:01"),
    ]:
        _ins(conn, "match_run", {"id": i[key], "tenant_id": t, "kind": kind, "direction": "requirement_to_consultants",
                                 "anchor_id": i[anchor], "model_version": version, "started_at": ts(started)})
    recs = [
        # run, requirement, consultant, rank, p, decision, decided_by
        ("M1", "Q1", "K1", 1, 0.8, "approved", "R1"),
        ("M1", "Q1", "K2", 2, 0.3, "rejected", "R1"),
        ("M1", "Q1", "K3", 6, 0.1, None, None),
        ("M2", "Q2", "K2", 1, 0.6, "approved", "R2"),
        ("M2", "Q2", "K3", 7, 0.2, None, None),
        ("M3", "Q3", "K1", 1, 0.9, None, None),
    ]
    shown = {"M1": "2026-01-05 09:03", "M2": "2026-01-06 10:10", "M3": "2026-01-07 12:01"}
    version = {"M1": "v1", "M2": "v2", "M3": "v1"}
    for run, req, cons, rank, p, decision, by in recs:
        key = f"rec-{run}-{cons}"
        i[key] = uuid.uuid4()
        _ins(conn, "recommendation", {
            "id": i[key], "tenant_id": t, "match_run_id": i[run], "requirement_id": i[req], "consultant_id": i[cons],
            "rank": rank, "match_score": 0.5, "success_probability": p, "model_version": version[run],
            "decision": decision, "decided_by": i[by] if by else None,
            "decided_at": ts("2026-01-06 08:00") if decision else None, "created_at": ts(shown[run])})
    subs = [
        # key, consultant, requirement, vendor, recruiter, status, submitted_at, closed_at
        ("S1", "K1", "Q1", "V1", "R1", "placed", "2026-01-05 12:00", "2026-01-20 00:00"),
        ("S2", "K3", "Q1", "V1", "R1", "rejected", "2026-01-06 12:00", "2026-01-08 00:00"),
        ("S3", "K2", "Q2", "V2", "R2", "interviewing", "2026-01-07 09:00", None),
        ("S4", "K2", "Q1", "V1", "R2", "draft", None, None),
        ("S5", "K3", "Q2", "V2", "R2", "placed", "2026-01-08 09:00", None),
        ("S6", "K4", "Q2", "V3", "R1", "submitted", "2026-01-08 15:00", None),
    ]
    for key, cons, req, vendor, rec, status, submitted, closed in subs:
        _ins(conn, "submission", {
            "id": i[key], "tenant_id": t, "consultant_id": i[cons], "requirement_id": i[req],
            "vendor_company_id": i[vendor], "recruiter_id": i[rec], "status": status,
            "submitted_at": ts(submitted) if submitted else None, "closed_at": ts(closed) if closed else None})
    for sub, rnd, when, outcome in [("S1", 1, "2026-01-07 12:00", "passed"), ("S1", 2, "2026-01-08 12:00", "passed"),
                                    ("S2", 1, "2026-01-07 10:00", "cancelled"),
                                    ("S3", 1, "2026-01-09 21:00", "pending")]:
        _ins(conn, "interview", {"id": uuid.uuid4(), "tenant_id": t, "submission_id": i[sub], "round": rnd,
                                 "scheduled_at": ts(when), "outcome": outcome})
    _ins(conn, "offer", {"id": uuid.uuid4(), "tenant_id": t, "submission_id": i["S1"], "bill_rate": 100,
                         "pay_rate": 70, "offered_at": ts("2026-01-09 12:00"), "status": "accepted"})
    _ins(conn, "placement", {"id": i["P1"], "tenant_id": t, "submission_id": i["S1"], "consultant_id": i["K1"],
                             "requirement_id": i["Q1"], "bill_rate": 100, "pay_rate": 70,
                             "start_date": date(2026, 1, 12), "end_date": date(2026, 1, 23)})
    _ins(conn, "placement", {"id": i["P2"], "tenant_id": t, "submission_id": i["S5"], "consultant_id": i["K3"],
                             "requirement_id": i["Q2"], "bill_rate": None, "pay_rate": 50,
                             "start_date": date(2026, 2, 2), "end_date": None})
    return w
