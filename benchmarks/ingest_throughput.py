"""Ingestion throughput on this machine. Prints:

- emails/second through parse + classify + extract + normalize (pure functions, no database);
- texts/second through the embedding model (all-MiniLM-L6-v2, batches of 64, after loading);
- emails/second through the whole pipeline into Postgres (register, dedupe, write, embed);
- the cost of a re-run with nothing new, and of a run with a few new e-mails (incremental);
- fast-path latency: API import -> committed, embedded, queryable requirement (p50 / p95 / max).

Runs against a throw-away embedded Postgres in a temporary folder (or BENCHCRM_DATABASE_URL if set).

    HF_HUB_OFFLINE=1 python benchmarks/ingest_throughput.py --emails 600
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROLES = [
    ("Sr. Data Engineer", "Python, PySpark, AWS Glue, Redshift, Airflow, SQL"),
    ("Java Full Stack Developer", "Java 11, Spring Boot, Microservices, ReactJS, AWS"),
    ("Salesforce Developer", "SFDC, Apex, LWC, Visualforce"),
    (".NET Developer", ".Net Core, C#, MS SQL, Azure"),
    ("DevOps Engineer", "K8s, Docker, Terraform, Jenkins, AWS"),
    ("ServiceNow Developer", "ServiceNow, JavaScript, ITSM"),
    ("Guidewire Developer", "Guidewire, Java, Gosu, SQL"),
    ("Angular Developer", "Angular 14+, TypeScript, RxJS, Node"),
    ("Snowflake Data Architect", "Snowflake, dbt, SQL, Python, Airflow"),
    ("SAP FICO Consultant", "SAP FICO, S/4HANA"),
]
PLACES = [("Austin", "TX"), ("Dallas", "TX"), ("Charlotte", "NC"), ("Chicago", "IL"), ("Atlanta", "GA"),
          ("Jersey City", "NJ"), ("Phoenix", "AZ"), ("Columbus", "OH"), ("Denver", "CO"), ("Seattle", "WA")]
CLIENTS = ["Lone Star Bank", "Mercury Health", "Globex", "Initech Insurance", "Acme Retail", "Umbrella Pharma"]
VENDORS = ["apexsys", "tekpartners", "nexusit", "primeteam", "infovision", "kforce-x"]


def vendor_email(rng: random.Random, req: int, copy: int, when: datetime) -> bytes:
    """Requirement `req` as forwarded by vendor number `copy` (different greeting, rate and signature)."""
    # Distinct requirements differ in role, place or client (600 combinations), as distinct openings do.
    role, skills = ROLES[req % len(ROLES)]
    city, state = PLACES[(req // len(ROLES)) % len(PLACES)]
    client = CLIENTS[(req // (len(ROLES) * len(PLACES))) % len(CLIENTS)]
    vendor = VENDORS[copy % len(VENDORS)]
    rate = 55 + (req * 7) % 40 + copy * 2
    msg = EmailMessage()
    msg["From"] = f"Recruiter {copy} <jobs@{vendor}.example>"
    msg["To"] = "bench@benchfirm.example"
    msg["Subject"] = f"{'Fwd: ' if copy else ''}Immediate need: {role} || {city}, {state} || C2C || Req# R{req:05d}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<req{req}-copy{copy}-{uuid.uuid4().hex[:8]}@{vendor}.example>"
    greeting = rng.choice(["Hi,", "Hello Partner,", "Good morning,", "Hi there,"])
    msg.set_content(
        f"{greeting}\nPlease go through the requirement below and share matching profiles.\n\n"
        f"Role: {role}\nLocation: {city}, {state} (Hybrid - 3 days onsite)\nDuration: 12+ Months\n"
        f"Rate: ${rate}/hr on C2C\nVisa: USC, GC, H1B\nClient: {client}\n\n"
        f"Must have: {skills}\nNice to have: Kafka, Terraform\nExperience: {8 + req % 6}+ years\n\n"
        f"Thanks & Regards,\nRecruiter {copy} | {vendor.title()}\nPhone: 555-010-{1000 + req % 9000}\n")
    return bytes(msg)


def corpus(n: int, seed: int = 7, start: datetime | None = None) -> list[bytes]:
    """About a third distinct requirements, each forwarded by up to three vendors."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    out: list[bytes] = []
    req = 0
    while len(out) < n:
        for copy in range(rng.choice([1, 2, 3, 3])):
            out.append(vendor_email(rng, req + seed * 1000, copy, start + timedelta(minutes=len(out))))
        req += 1
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=600)
    parser.add_argument("--new", type=int, default=20, help="new e-mails for the incremental run")
    parser.add_argument("--fast-path", type=int, default=20, help="API imports to time")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice, one per core)")
    args = parser.parse_args()
    if args.torch_threads:
        import torch

        # On a busy 2-core machine, 2 spinning intra-op threads per encode cost far more than they save.
        torch.set_num_threads(args.torch_threads)

    from warehouse.embedded import throwaway_data_dir

    with throwaway_data_dir("bcrm-bench-"):  # its own embedded server, stopped and deleted afterwards
        run(args)


def run(args: argparse.Namespace) -> None:
    from ml.ingest import pipeline
    from ml.ingest.service import import_message, warm_up
    from ml.ingest.sources import RawItem
    from ml.ingest.toolkit import default_toolkit
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.db import app_engine, tenant_tx
    from warehouse.repositories.requirements import skill_id_map
    from warehouse.repositories.tenants import ensure_tenant
    from warehouse.settings import get_settings

    settings = get_settings()
    admin, _ = prepare_database(settings)
    with admin.begin() as conn:
        sync_taxonomy(conn, load_taxonomy())
        tenant = ensure_tenant(conn, slug=f"bench-{uuid.uuid4().hex[:8]}")
        ids = skill_id_map(conn)
    engine = app_engine(settings)
    toolkit = default_toolkit()
    emails = corpus(args.emails)
    import torch

    print(f"torch intra-op threads: {torch.get_num_threads()}; load average: {os.getloadavg()[0]:.1f}")
    print(f"corpus: {len(emails)} vendor e-mails ({sum(len(e) for e in emails) / len(emails):.0f} bytes avg)")

    # 1. Pure functions: parse + classify + extract + normalize.
    toolkit.normalize_skill("warm")
    start = time.perf_counter()
    prepared = [pipeline.prepare(raw, toolkit=toolkit, skill_ids=ids) for raw in emails]
    pure = time.perf_counter() - start
    ok = sum(p.candidate is not None for p in prepared)
    print(f"parse+extract+normalize: {len(emails) / pure:,.0f} emails/s ({pure:.2f} s; {ok} candidates)")

    # 2. The embedding model alone.
    start = time.perf_counter()
    warm_up(toolkit)
    load = time.perf_counter() - start
    texts = [p.candidate.embedding_text for p in prepared if p.candidate is not None]
    embedder = toolkit.embedder
    start = time.perf_counter()
    for i in range(0, len(texts), 64):
        embedder.encode(texts[i:i + 64])
    enc = time.perf_counter() - start
    print(f"embedding: {len(texts) / enc:,.0f} texts/s ({enc:.2f} s for {len(texts)}; model load {load:.1f} s; "
          f"{embedder.model_name}, {embedder.dims} dims)")

    # 3. The whole pipeline into Postgres, as the assets run it (register, then process the 'new' rows).
    def cycle(items: list[bytes], tag: str) -> tuple[float, pipeline.PendingStats]:
        start = time.perf_counter()
        stats = pipeline.PendingStats()
        with tenant_tx(tenant, engine) as conn:
            pipeline.register_raw(conn, tenant_id=tenant, items=[
                RawItem(source="folder", key=f"{tag}-{i}", data=raw) for i, raw in enumerate(items)])
        while True:
            before = stats.processed
            with tenant_tx(tenant, engine) as conn:
                pipeline.process_pending(conn, tenant_id=tenant, limit=200, embedder=embedder, stats=stats)
            if stats.processed == before:
                break
        with tenant_tx(tenant, engine) as conn:
            pipeline.extract_pending_requirements(conn, tenant_id=tenant)
            pipeline.normalize_skills(conn)
            for entity in ("requirement", "consultant"):
                pipeline.embed_entities(conn, tenant_id=tenant, entity_type=entity, embedder=embedder)
        return time.perf_counter() - start, stats

    full, stats = cycle(emails, "bulk")
    print(f"full pipeline into Postgres: {len(emails) / full:,.1f} emails/s ({full:.2f} s; {stats.by_status})")
    with tenant_tx(tenant, engine) as conn:
        from sqlalchemy import text

        n_req = conn.execute(text("select count(*) from crm.requirement")).scalar_one()
        n_src = conn.execute(text("select count(*) from crm.requirement_source")).scalar_one()
    print(f"  -> {n_req} requirements from {n_src} sources (dedupe)")

    again, stats = cycle(emails, "bulk")
    print(f"re-run with nothing new: {again * 1000:.0f} ms for {len(emails)} already-known e-mails "
          f"(processed {stats.processed})")
    fresh = corpus(args.new, seed=11)
    inc, stats = cycle(fresh, "new")
    print(f"incremental run with {len(fresh)} new e-mails: {inc:.2f} s ({stats.by_status})")

    # 4. Fast path: one API import per request, measured to commit; then queryable with its embedding.
    latencies = []
    for raw in corpus(args.fast_path, seed=23):
        start = time.perf_counter()
        with tenant_tx(tenant, engine) as conn:
            outcome = import_message(conn, tenant_id=tenant, raw=raw, embedder=embedder)
        latencies.append((time.perf_counter() - start) * 1000)
        with tenant_tx(tenant, engine) as conn:
            found = conn.execute(text(
                "select count(*) from crm.embedding where entity_type = 'requirement' and entity_id = :id"),
                {"id": outcome.requirement_id}).scalar_one()
        assert found == 1, outcome
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"fast path import -> embedded, queryable requirement: p50 {statistics.median(latencies):.0f} ms, "
          f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms over {len(latencies)} imports")


if __name__ == "__main__":
    main()
