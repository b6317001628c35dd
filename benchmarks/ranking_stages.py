"""Where a recommendation spends its time, in process (no HTTP, no stored run): mean of `result.stats` per stage
over the benchmark tenant's anchors, both directions, without and with a warm ranking cache (docs/adr/0022).

`--request`: the whole API request instead, stage by stage (token, tenant, rate limit, transaction, anchor,
ranking, writes, commit, JSON), with 1 and with `--threads` threads in one process (one worker's GIL), and the
statements each stage sends (docs/adr/0026).

Uses the tenant that `benchmarks/api_latency.py` loads (run it once with the same --data-dir first).

    python benchmarks/ranking_stages.py --data-dir /tmp/cache-bench-10k [--anchors 100] [--request [--threads 8]]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGES = ("candidates_ms", "records_ms", "history_ms", "score_ms", "total_ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--anchors", type=int, default=100)
    parser.add_argument("--request", action="store_true", help="the whole API request, stage by stage")
    parser.add_argument("--threads", type=int, default=8, help="with --request: concurrent requests in one process")
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import sqlalchemy as sa

    from ml.matching import service
    from ml.matching.champion import TenantModels
    from ml.matching.tenant_cache import TenantCache
    from warehouse.db import admin_engine, app_engine, tenant_tx
    from warehouse.settings import get_settings

    settings = get_settings()
    with admin_engine(settings).connect() as conn:
        tenant = conn.execute(sa.text("select id from crm.tenant where slug = 'bench-latency'")).scalar_one()
        anchors = {
            "requirement_to_consultants": conn.execute(sa.text(
                "select id from crm.requirement where tenant_id = :t and status = 'open' order by id limit :n"),
                {"t": tenant, "n": args.anchors}).scalars().all(),
            "consultant_to_requirements": conn.execute(sa.text(
                "select id from crm.consultant where tenant_id = :t and status in ('bench', 'marketing') "
                "order by id limit :n"), {"t": tenant, "n": args.anchors}).scalars().all(),
        }
    engine = app_engine(settings)
    if args.request:
        request_stages(settings, engine, tenant, anchors, threads=args.threads)
        return
    model = TenantModels(settings).get(tenant)  # what the API ranks this tenant with (its champion or the prior)
    print(f"model: {getattr(model, 'version', 'seed formula')}")
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    print(f"{'direction':<28} {'cache':<6} " + " ".join(f"{s:>14}" for s in STAGES))
    for direction, ids in anchors.items():
        means = {}
        for label, use in (("off", None), ("warm", cache)):
            with tenant_tx(tenant, engine) as conn:
                if use is not None:  # fill it first: the figures are for a warm cache
                    for a in ids:
                        service.recommend(conn, direction, tenant_id=tenant, anchor_id=a, cache=use, model=model)
                runs = [service.recommend(conn, direction, tenant_id=tenant, anchor_id=a, cache=use,
                                          model=model).stats
                        for a in ids]
            means[label] = {s: statistics.fmean(r[s] for r in runs) for s in STAGES}
            print(f"{direction:<28} {label:<6} " + " ".join(f"{means[label][s]:11.1f} ms" for s in STAGES))
        print(f"{direction:<28} {'ratio':<6} " + " ".join(
            f"{means['off'][s] / max(means['warm'][s], 1e-9):12.2f}x" for s in STAGES))


REQUEST_STAGES = ("token", "tenant", "rate_limit", "transaction", "anchor", "ranking", "writes", "commit", "json")


def request_stages(settings, engine, tenant, anchors: dict, *, threads: int) -> None:
    """Each stage of a recommendation request as the API runs it, timed, `before` and `after` docs/adr/0026
    interleaved: one request at a time, then `threads` at once in this process (what one worker's requests do to
    each other through the GIL and the two cores). `before` verifies the token every time, sets the tenant and the
    timeout in two statements, reads the anchor first, sends each insert (run, items, queued snapshots, audit,
    event) on its own and renders JSON with the standard library: the request as main did it."""
    import threading
    import time
    import uuid

    import sqlalchemy as sa
    from starlette.responses import JSONResponse

    from ml.matching import service
    from ml.matching.champion import TenantModels
    from ml.matching.tenant_cache import TenantCache
    from serving.auth.tenants import TenantDirectory
    from serving.auth.tokens import TokenVerifier, issue_token
    from serving.context import Principal
    from serving.json_response import FastJSONResponse
    from serving.ratelimit import SharedRateLimiter, budgets_from_settings
    from serving.services.records import change_rows
    from warehouse.db import set_statement_timeout, set_tenant, set_tenant_and_timeout
    from warehouse.queries.matching import Direction
    from warehouse.repositories import recommendations as stored
    from warehouse.repositories import records as repo
    from warehouse.repositories import together
    from warehouse.repositories.crm_tables import CONSULTANTS, REQUIREMENTS

    statements = threading.local()

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(*_args) -> None:
        statements.n = getattr(statements, "n", 0) + 1

    def one_by_one(conn, inserts) -> None:  # `before`: a round trip per insert
        for part in inserts:
            together.insert_together(conn, [part])

    verifier, directory = TokenVerifier(settings), TenantDirectory(settings.tenant_cache_seconds)
    limiter = SharedRateLimiter(engine, budgets_from_settings(settings))
    model = TenantModels(settings).get(tenant)
    cache = TenantCache(max_staleness_s=3600)
    cache.enabled = True
    token = issue_token(settings, tenant_id=tenant, role="Recruiter", minutes=60)
    specs = {"requirement_to_consultants": REQUIREMENTS, "consultant_to_requirements": CONSULTANTS}
    local = threading.local()

    def one_request(variant: str, direction: str, anchor: uuid.UUID, out: dict, n: dict) -> None:
        before = variant == "before"
        clock = [time.perf_counter()]
        statements.n = 0

        def lap(stage: str) -> None:
            now = time.perf_counter()
            out.setdefault((variant, stage), []).append((now - clock[0]) * 1000)
            n.setdefault((variant, stage), []).append(getattr(statements, "n", 0))
            statements.n = 0
            clock[0] = now

        claims = verifier._verify(token) if before else verifier.verify(token)
        lap("token")
        directory.exists(claims.tenant_id, engine)
        lap("tenant")
        if not hasattr(local, "loop"):  # the limiter is awaited on an event loop (one per thread here)
            local.loop = asyncio.new_event_loop()
        local.loop.run_until_complete(limiter.take("api", claims.tenant_id, tenant_id=claims.tenant_id))
        lap("rate_limit")
        principal = Principal(subject=claims.subject, actor_id=uuid.uuid4(), tenant_id=claims.tenant_id,
                              role=claims.role, is_service_account=False, permissions=frozenset())
        with engine.begin() as conn:
            if before:
                set_tenant(conn, tenant)
                set_statement_timeout(conn, 15_000)
            else:
                set_tenant_and_timeout(conn, tenant, 15_000)
            lap("transaction")
            if before:
                repo.get_row(conn, specs[direction], anchor)
            lap("anchor")
            result = service.recommend(conn, Direction(direction), tenant_id=tenant, anchor_id=anchor, top_k=10,
                                       explain=True, model=model, cache=cache)
            lap("ranking")
            run_id, ids = uuid.uuid4(), [uuid.uuid4() for _ in result.items]
            body = {"recommendationId": str(run_id), "modelVersion": result.model_version, "direction": direction,
                    "anchorId": str(anchor), "items": [
                        {"id": str(i), "consultantId": str(it.consultant_id), "requirementId": str(it.requirement_id),
                         "rank": it.rank, "matchScore": it.match_score, "successProbability": it.success_probability,
                         "reasons": it.reasons, "factors": it.factors} for i, it in zip(ids, result.items, strict=True)]}
            effects = change_rows(principal, action="recommend", entity="match_run", entity_id=run_id,
                                  before={"topK": 10}, after=body, request_id="bench",
                                  model_version=result.model_version, audit_payload={"count": len(ids)},
                                  event_type="recommendations.generated",
                                  event={"recommendationId": str(run_id), "count": len(ids)})
            local.before = before
            service.store_recommendations(conn, tenant_id=tenant, result=result, kind="api",
                                          created_by=principal.actor_id, run_id=run_id, item_ids=ids,
                                          defer_snapshots=True, along=effects)
            lap("writes")
        lap("commit")
        (JSONResponse if before else FastJSONResponse)(body)
        lap("json")

    def insert(conn, inserts) -> None:
        (one_by_one if local.before else together.insert_together)(conn, inserts)

    stored.insert_together = insert  # `before` sends each part on its own, `after` all in one statement
    work = [(d, a) for d, ids in anchors.items() for a in ids]
    for variant in ("before", "after"):
        for a in work[:20]:  # warm: pools, plans, the ranking cache
            one_request(variant, *a, {}, {})
    figures = {}
    for t in (1, threads):
        out: dict = {}
        counts: dict = {}
        queue = iter([(v, *a) for a in work for v in ("before", "after")])  # interleaved: same load for both
        lock = threading.Lock()

        def worker(queue=queue, lock=lock, out=out, counts=counts) -> None:
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                one_request(*item, out, counts)

        pool = [threading.Thread(target=worker) for _ in range(t)]
        for th in pool:
            th.start()
        for th in pool:
            th.join()
        figures[t] = (out, counts)
    for t in (1, threads):
        out, counts = figures[t]
        print(f"\n{len(work)} requests each, {t} thread(s); mean ms (p95 ms) [statements through SQLAlchemy; `after`"
              " sends the tenant settings with BEGIN in the driver's pipeline, uncounted]")
        print(f"{'stage':<12} {'before':>26} {'after':>26}")
        for stage in REQUEST_STAGES:
            cells = [f"{statistics.fmean(out[v, stage]):7.2f} ({sorted(out[v, stage])[int(.95 * len(work))]:7.2f})"
                     f" [{statistics.fmean(counts[v, stage]):4.1f}]" for v in ("before", "after")]
            print(f"{stage:<12} {cells[0]:>26} {cells[1]:>26}")
        totals = {v: [sum(x) for x in zip(*(out[v, s] for s in REQUEST_STAGES), strict=True)]
                  for v in ("before", "after")}
        own = {v: [sum(x) for x in zip(*(out[v, s] for s in REQUEST_STAGES if s != "ranking"), strict=True)]
               for v in ("before", "after")}
        for label, series in (("whole request", totals), ("request's own work (all but ranking)", own)):
            b, a = (statistics.fmean(series[v]) for v in ("before", "after"))
            print(f"{label}: mean {b:.2f} ms before, {a:.2f} ms after ({b / a:.2f}x)")
    limiter.dispose()


if __name__ == "__main__":
    main()
