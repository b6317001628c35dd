"""API latency under load: p50/p95/p99 and RPS for list views, full-text search and recommendations.

1. Loads one tenant with 100,000 consultants (plus skills and 384-d embeddings) and 200 requirements into the
   embedded Postgres of a separate data folder (default /tmp/benchcrm-bench; reused on later runs).
   Embeddings are synthetic (a centre per job family plus noise, made in SQL) because encoding 100k resumes with
   the real model would take longer than the benchmark; the vector index and query shapes are the real ones.
2. Starts the API (`benchcrm serve`) as a separate process on 127.0.0.1 (or uses --url) and drives it from this
   process over loopback with a bounded number of concurrent clients, then prints one line per scenario.
3. Under load (issue 12): while --concurrency clients keep asking for recommendations, one more client samples a
   list, a search, a get by id, and a new requirement email posted to the API followed by its first
   recommendations (the recruiter's first wait on a fresh requirement), each against the issue's goal.

    python benchmarks/api_latency.py [--consultants 100000] [--requests 300] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TENANT_SLUG = "bench-latency"
FAMILIES = [  # (title, summary, skills)
    ("Senior Java Developer", "Java 11/17, Spring Boot, microservices, Kafka, AWS", ["Java", "Spring Boot", "AWS"]),
    ("Data Engineer", "Python, PySpark, Snowflake, Airflow, dbt on AWS", ["Python", "PySpark", "Snowflake"]),
    ("React Developer", "React, TypeScript, Node.js, GraphQL", ["React", "TypeScript", "Node.js"]),
    ("Salesforce Developer", "Apex, Lightning, SFDC integrations", ["Salesforce", "Apex"]),
    (".NET Developer", "C#, .NET Core, Azure, SQL Server", ["C#", ".NET Core", "Azure"]),
    ("DevOps Engineer", "Kubernetes, Terraform, AWS, CI/CD", ["Kubernetes", "Terraform", "AWS"]),
    ("QA Automation Engineer", "Selenium, Java, Cucumber, API testing", ["Selenium", "Java"]),
    ("ServiceNow Developer", "ServiceNow ITSM, JavaScript, integrations", ["ServiceNow", "JavaScript"]),
]
STATES = ["TX", "NC", "NJ", "CA", "GA", "IL", "VA", "WA", "FL", "NY"]
VISAS = ["USC", "GC", "H1B", "GC-EAD", "H4-EAD", "OPT"]


def load_tenant(settings, n_consultants: int) -> uuid.UUID:
    """Create and fill the benchmark tenant once (idempotent: skipped when already loaded)."""
    import sqlalchemy as sa

    from ml.ai.embeddings import active_model_name
    from warehouse.bootstrap import prepare_database
    from warehouse.db import set_tenant
    from warehouse.repositories.tenants import ensure_tenant

    engine, _ = prepare_database(settings)
    with engine.begin() as conn:
        tenant = ensure_tenant(conn, slug=TENANT_SLUG)
    with engine.connect() as conn:
        have = conn.execute(sa.text("select count(*) from crm.consultant where tenant_id = :t"), {"t": tenant}).scalar()
    if have >= n_consultants:
        print(f"tenant {TENANT_SLUG} already holds {have} consultants; reusing it")
        normalize_world_skills(engine, tenant)
        return tenant
    started = time.perf_counter()
    n_fam = len(FAMILIES)
    with engine.begin() as conn:
        set_tenant(conn, tenant)
        conn.execute(sa.text("set local synchronous_commit = off"))
        conn.execute(sa.text("create temp table fam (idx int, title text, summary text, skills text[]) on commit drop"))
        for i, (title, summary, skills) in enumerate(FAMILIES):
            conn.execute(sa.text("insert into fam values (:i, :t, :s, :k)"), {"i": i, "t": title, "s": summary, "k": skills})
        conn.execute(sa.text(
            "insert into crm.consultant (tenant_id, external_id, full_name, email, title, summary, years_experience, "
            "city, state, hourly_rate, visa_status, status, created_at) "
            "select :t, 'B-' || g, 'Consultant ' || g, 'c' || g || '@bench.example', f.title, "
            "f.summary || ' (' || (3 + g % 18) || ' years)', 3 + g % 18, 'City ' || (g % 50), "
            "(cast(:states as text[]))[1 + abs(hashint4(g)) % 10], 45 + (g % 60), "
            "(cast(:visas as text[]))[1 + abs(hashint4(g + 1)) % 6], "
            "(array['bench','marketing','placed','inactive'])[1 + abs(hashint4(g + 2)) % 4], "
            "now() - (g || ' minutes')::interval "
            "from generate_series(1, :n) g join fam f on f.idx = g % :nf"),
            {"t": tenant, "n": n_consultants, "nf": n_fam, "states": STATES, "visas": VISAS})
        conn.execute(sa.text(
            "insert into crm.consultant_skill (tenant_id, consultant_id, skill_id, raw_name, years, is_primary) "
            "select c.tenant_id, c.id, s.id, k.name, c.years_experience, k.ord = 1 "
            "from crm.consultant c join fam f on f.title = c.title "
            "cross join lateral unnest(f.skills) with ordinality as k(name, ord) "
            "left join crm.skill s on lower(s.canonical_name) = lower(k.name) where c.tenant_id = :t"), {"t": tenant})
        conn.execute(sa.text(
            "insert into crm.requirement (tenant_id, external_id, title, description, state, work_mode, bill_rate_max, "
            "min_years, visa_accepted, employment_terms) "
            "select :t, 'BR-' || g, f.title, 'Must have: ' || array_to_string(f.skills, ', ') || '. ' || f.summary, "
            "(cast(:states as text[]))[1 + g % 10], (array['onsite','hybrid','remote'])[1 + g % 3], 60 + g % 40, 3 + g % 10, "
            "array['USC','GC','H1B'], array['C2C','W2'] from generate_series(1, 200) g join fam f on f.idx = g % :nf"),
            {"t": tenant, "nf": n_fam, "states": STATES})
        conn.execute(sa.text(
            "insert into crm.requirement_skill (tenant_id, requirement_id, skill_id, raw_name, is_required) "
            "select r.tenant_id, r.id, s.id, k.name, true from crm.requirement r join fam f on f.title = r.title "
            "cross join lateral unnest(f.skills) as k(name) "
            "left join crm.skill s on lower(s.canonical_name) = lower(k.name) where r.tenant_id = :t"), {"t": tenant})
        # a year of history: a third of the bench was sent somewhere once (the ranking's history input)
        conn.execute(sa.text(
            "insert into crm.submission (tenant_id, consultant_id, requirement_id, status, submitted_at) "
            "select c.tenant_id, c.id, r.id, "
            "(array['submitted','interviewing','rejected','placed'])[1 + abs(hashint4(c.n::int)) % 4], "
            "now() - ((abs(hashint4(c.n::int + 3)) % 365) || ' days')::interval "
            "from (select id, tenant_id, row_number() over (order by id) n from crm.consultant where tenant_id = :t) c "
            "join (select id, row_number() over (order by id) - 1 k from crm.requirement where tenant_id = :t) r "
            "on r.k = c.n % 200 where c.n % 3 = 0"), {"t": tenant})
        # one centre per job family; each entity = its family's centre + noise (correlated subquery per row)
        conn.execute(sa.text(
            "create temp table centre on commit drop as select f.idx, f.title, "
            "(select array_agg(random() - 0.5) from generate_series(1, 384) d where d > f.idx * 0) a from fam f"))
        # Bulk load: build the vector indexes once after the rows instead of row by row (same definitions back).
        hnsw = conn.execute(sa.text(
            "select indexname, indexdef from pg_indexes where schemaname = 'crm' and tablename = 'embedding' "
            "and indexdef ilike '%using hnsw%'")).all()
        for name, _ in hnsw:
            conn.execute(sa.text(f'drop index crm."{name}"'))
        for entity in ("consultant", "requirement"):
            # unit vectors (as the real encoder's), written without pgvector >= 0.7's l2_normalize
            conn.execute(sa.text(
                f"insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash) "
                f"select e.tenant_id, '{entity}', e.id, :space, 384, "
                "(select array_agg(x / n order by i)::vector(384) from (select i, x, sqrt(sum(x * x) over ()) n "
                "  from (select i, c.a[i] + (random() - 0.5) * 0.6 + 0 * length(e.id::text) x "
                "        from generate_series(1, 384) i) s) t), md5(e.id::text) "
                f"from crm.{entity} e join centre c on c.title = e.title where e.tenant_id = :t"),
                {"t": tenant, "space": active_model_name()})
        conn.execute(sa.text("set local maintenance_work_mem = '1GB'"))
        for _, definition in hnsw:
            conn.execute(sa.text(definition))
    normalize_world_skills(engine, tenant)
    print(f"loaded {n_consultants} consultants, 200 requirements and embeddings in {time.perf_counter() - started:.0f} s")
    return tenant


# Common IT skills a consultant lists besides the family's own (a real resume names 10-25; the family gives 2-3).
EXTRA_SKILLS = ["Git", "SQL", "Linux", "Jenkins", "Docker", "Jira", "Agile", "REST APIs", "JavaScript", "Python",
                "AWS", "Azure", "Kubernetes", "Oracle", "MySQL", "PostgreSQL", "Microservices", "Terraform", "Kafka",
                "MongoDB", "Redis", "HTML", "CSS", "Angular", "Spring Boot", "Java", "C#", "Scrum", "Maven", "JUnit"]
EXTRA_PER_CONSULTANT = 7


def normalize_world_skills(engine, tenant: uuid.UUID) -> None:
    """Give the world what the issue's scale assumes: the taxonomy in crm.skill, every skill row resolved to it
    through the product's own normalizer, and ~10 skills per consultant (the family's plus common ones, so popular
    skills have long posting lists as on a real bench). Idempotent; a world loaded before this gets repaired."""
    import sqlalchemy as sa

    from ml.ai.embeddings import active_model_name
    from ml.normalize.skills import normalize_skill
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.db import set_tenant

    with engine.begin() as conn:
        # The synthetic vectors stand for any model's: put them in the space the API reads (ADR 0029's backends
        # keep theirs apart), so a world loaded under another default is still searched.
        moved = conn.execute(sa.text("update crm.embedding set model = :space where tenant_id = :t and model <> :space"),
                             {"t": tenant, "space": active_model_name()}).rowcount
        if moved:
            print(f"{moved} synthetic vectors now in the {active_model_name()} space")
        if not conn.execute(sa.text("select count(*) from crm.skill")).scalar():
            sync_taxonomy(conn, load_taxonomy())
        ids = dict(conn.execute(sa.text("select canonical_name, id from crm.skill")).all())
        set_tenant(conn, tenant)
        conn.execute(sa.text("set local synchronous_commit = off"))
        per = conn.execute(sa.text("select count(*)::float / greatest(count(distinct consultant_id), 1) "
                                   "from crm.consultant_skill where tenant_id = :t"), {"t": tenant}).scalar()
        if per < 1 + EXTRA_PER_CONSULTANT:
            conn.execute(sa.text(
                "insert into crm.consultant_skill (tenant_id, consultant_id, raw_name, years, is_primary) "
                "select c.tenant_id, c.id, k.name, 1 + abs(hashint4(k.i)) % 8, false "
                "from crm.consultant c cross join lateral (select i, (cast(:pool as text[]))[1 + abs(hashtext("
                "  c.id::text || i)) % cardinality(cast(:pool as text[]))] as name "
                "  from generate_series(1, :per) i) k where c.tenant_id = :t "
                "on conflict do nothing"), {"t": tenant, "pool": EXTRA_SKILLS, "per": EXTRA_PER_CONSULTANT})
        for table in ("consultant_skill", "requirement_skill"):
            raw = conn.execute(sa.text(f"select distinct raw_name from crm.{table} where tenant_id = :t "
                                       "and skill_id is null"), {"t": tenant}).scalars().all()
            resolved = [(name, ids[c]) for name in raw if (c := normalize_skill(name)) in ids]
            if resolved:
                conn.execute(sa.text(
                    f"update crm.{table} x set skill_id = m.id from unnest(cast(:names as text[]), "
                    "cast(:ids as int[])) as m(name, id) where x.tenant_id = :t and x.skill_id is null "
                    "and x.raw_name = m.name"),
                    {"t": tenant, "names": [r[0] for r in resolved], "ids": [r[1] for r in resolved]})
            left = conn.execute(sa.text(f"select count(*) from crm.{table} where tenant_id = :t and skill_id is "
                                        "null"), {"t": tenant}).scalar()
            print(f"{table}: {len(resolved)} of {len(raw)} unresolved names resolved; {left} rows left unresolved")
        conn.execute(sa.text("analyze crm.consultant_skill"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Pace:
    """When request i is due: at once (a closed loop: each client sends its next request when the last one is
    answered), or at start + i / rate (an open loop at a fixed rate, shared by the clients). Latency is measured
    from the due time, so a request the clients could not send on time counts its wait (no coordinated
    omission)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.start = time.perf_counter()

    def due(self, i: int) -> float:
        if self.rate is None:
            return time.perf_counter()
        at = self.start + i / self.rate
        delay = at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return at


def drive(name: str, base: str, headers: dict, make_request: Callable[[httpx.Client, int], httpx.Response],
          n: int, concurrency: int, rate: float | None = None) -> dict[str, float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(n))
    pace: list[Pace] = []
    warm = threading.Barrier(concurrency + 1, action=lambda: pace.append(Pace(rate)))  # the clock starts warm

    def worker() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for _ in range(3):  # warm the connection and caches
                make_request(client, 0)
            warm.wait()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t0 = pace[0].due(i)
                r = make_request(client, i)
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(dt)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    warm.wait()
    started = pace[0].start
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ok = statuses.get(200, 0)
    if rate is not None:
        name = f"{name} @{rate:g}/s"
    print(f"{name:<34} n={len(latencies):>4}  p50={percentile(latencies, .5):7.1f} ms  "
          f"p95={percentile(latencies, .95):7.1f} ms  p99={percentile(latencies, .99):7.1f} ms  "
          f"mean={statistics.fmean(latencies):6.1f} ms  rps={len(latencies) / wall:6.1f}  status={statuses}"
          + ("" if ok == len(latencies) else "  (not all 200)"))
    return {"p50": percentile(latencies, .5), "p95": percentile(latencies, .95), "rps": len(latencies) / wall}


def start_server(args, extra_env: dict[str, str], *, root: Path = ROOT, workers: int | None = None
                 ) -> subprocess.Popen:
    """`benchcrm serve` from the code at `root` (this checkout, or another one for a before/after comparison)."""
    env = {**os.environ, "BENCHCRM_RATE_LIMIT_BURST": "1000000", "BENCHCRM_RATE_LIMIT_RPS": "1000000",
           "BENCHCRM_RATE_LIMIT_EXPENSIVE_BURST": "1000000", "BENCHCRM_RATE_LIMIT_EXPENSIVE_RPS": "1000000",
           "PYTHONPATH": str(root), **({} if root == ROOT else {"PYTHONDONTWRITEBYTECODE": "1"}), **extra_env}
    count = workers or args.workers
    return subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "serve", "--port",
                             str(args.port), *(["--workers", str(count)] if count else []), "--no-dispatcher"], cwd=root,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 300  # a loaded machine warms a 100k world slowly
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the API did not become ready within 300 s")
        time.sleep(0.5)


def warm_up(base: str, headers: dict, requirement_ids: list[str], consultant_ids: list[str], n: int,
            concurrency: int) -> None:
    """`n` recommendations (both directions, alternating), not measured: a server that has just started fills its
    per-process caches (postings, records, history) on its first requests; the figures are for one that has been
    serving (its cold start is /readyz's business)."""
    counter = iter(range(n))
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                path = (f"/v1/requirements/{requirement_ids[i % len(requirement_ids)]}" if i % 2 == 0
                        else f"/v1/consultants/{consultant_ids[i % len(consultant_ids)]}")
                client.post(f"{path}/recommendations", params={"topK": 10}, json={"explain": True})

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def paced_requests(args) -> int:
    """How many requests a paced (--rate) scenario sends."""
    return int(args.rate * args.paced_seconds) if args.paced_seconds else args.requests


def recommendation_scenarios(base: str, headers: dict, requirement_ids: list[str], consultant_ids: list[str],
                             n: int, c: int, label: str = "", rate: float | None = None) -> dict[str, dict[str, float]]:
    return {
        "requirement": drive(f"recommendations for requirement{label}", base, headers,
                             lambda cl, i: cl.post(f"/v1/requirements/{requirement_ids[i % len(requirement_ids)]}"
                                                   "/recommendations", params={"topK": 10}, json={"explain": True}),
                             n, c, rate),
        "consultant": drive(f"recommendations for consultant{label}", base, headers,
                            lambda cl, i: cl.post(f"/v1/consultants/{consultant_ids[i % len(consultant_ids)]}"
                                                  "/recommendations", params={"topK": 10}, json={"explain": True}),
                            n, c, rate),
    }


def burst(base: str, headers: dict, requirement_ids: list[str], consultant_ids: list[str], n: int) -> None:
    """`n` recommendation requests sent within one second (both directions alternating, each on its own
    connection): every one must be answered (queued, never a 5xx); prints when the last answer came."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(n + 1)
    start: list[float] = []

    def one(i: int) -> None:
        path = (f"/v1/requirements/{requirement_ids[i % len(requirement_ids)]}" if i % 2 == 0
                else f"/v1/consultants/{consultant_ids[i % len(consultant_ids)]}")
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            ready.wait()
            due = start[0] + i / n  # spread evenly over the second
            time.sleep(max(0.0, due - time.perf_counter()))
            try:
                status = client.post(f"{path}/recommendations", params={"topK": 10}, json={"explain": True}
                                     ).status_code
            except httpx.HTTPError:
                status = -1  # no answer at all
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append((time.perf_counter() - due) * 1000)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    start.append(time.perf_counter() + 0.05)
    ready.wait()
    for t in threads:
        t.join()
    last = max(latencies) / 1000
    failed = sum(v for k, v in statuses.items() if k >= 500 or k < 0)
    print(f"burst: {n} recommendation requests within 1 s  p50={percentile(latencies, .5):7.1f} ms  "
          f"p95={percentile(latencies, .95):7.1f} ms  last answered {last:.1f} s after its send  "
          f"status={statuses}  {'0 errors' if not failed else f'{failed} errors'}")


def cpu_seconds(root_pids: list[int]) -> float:
    """User + system CPU seconds of these processes and all their descendants, from /proc (Linux), including the
    children they already reaped (cutime/cstime): a database backend or a pool's overflow connection that exits
    between two readings keeps its CPU in its parent's account instead of vanishing from the sum."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, list(root_pids)
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += sum(int(v) for v in stats[pid][11:15])  # utime, stime, cutime, cstime
            todo.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def comparable(body: dict) -> dict:
    """A recommendation body without what differs between any two calls (ids, the time)."""
    return {**{k: v for k, v in body.items() if k not in ("recommendationId", "createdAt")},
            "items": [{k: v for k, v in item.items() if k != "id"} for item in body["items"]]}


def compare_warm_start(args, settings, tenant, requirement_ids: list[str], bench_ids: list[str]) -> None:
    """A restarted server's first requests with the caches' warm start off and on (off, on, on, off)."""
    from serving.auth.tokens import issue_token

    base = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenant, role='Recruiter', minutes=120)}"}
    rate = args.rate or 40.0
    print(f"tenant {TENANT_SLUG} ({args.consultants} consultants); after each start, the first "
          f"{args.compare_warm_start} recommendations of each direction at {rate:g}/s, {args.concurrency} clients, "
          f"no warm-up; warm start of the caches off (BENCHCRM_WARM_CACHE_TENANTS=0), then on (default "
          f"{settings.warm_cache_tenants}); load average {os.getloadavg()[0]:.1f}")
    labels = {"0": "off", str(settings.warm_cache_tenants): "on"}
    figures: dict[str, list[dict]] = {label: [] for label in labels.values()}
    for tenants in ("0", str(settings.warm_cache_tenants), str(settings.warm_cache_tenants), "0"):
        label = labels[tenants]
        started = time.monotonic()
        server = start_server(args, {"BENCHCRM_WARM_CACHE_TENANTS": tenants})
        try:
            wait_ready(base)
            ready_s = time.monotonic() - started
            print(f"warm start {label}: ready {ready_s:.1f} s after the start "
                  f"({httpx.get(f'{base}/readyz').json()['warmup'].get('caches')})")
            run = recommendation_scenarios(base, headers, requirement_ids, bench_ids, args.compare_warm_start,
                                           args.concurrency, label=f" (warm start {label})", rate=rate)
            figures[label].append({**run, "ready": {"s": ready_s}})
        finally:
            server.terminate()
            server.wait(timeout=30)
    for direction in ("requirement", "consultant"):
        off, on = ({k: statistics.fmean(run[direction][k] for run in figures[e]) for k in ("p50", "p95")}
                   for e in ("off", "on"))
        print(f"mean of both rounds, first {args.compare_warm_start} for {direction:<11} off p50 {off['p50']:.1f} "
              f"p95 {off['p95']:.1f} ms; on p50 {on['p50']:.1f} p95 {on['p95']:.1f} ms; "
              f"ratio p50 {off['p50'] / on['p50']:.2f}x p95 {off['p95'] / on['p95']:.2f}x")
    ready = {e: statistics.fmean(run["ready"]["s"] for run in figures[e]) for e in ("off", "on")}
    print(f"mean of both rounds, seconds until ready: off {ready['off']:.1f}, on {ready['on']:.1f}")


def compare_code(args, settings, tenant, requirement_ids: list[str], bench_ids: list[str]) -> None:
    """Before (the checkout at --compare-code) and after (this one) on the same world, alternating
    (before, after, after, before) so load drift favours neither; the ratio of the means; and whether both answer
    the same bodies."""
    from serving.auth.tokens import issue_token

    base = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenant, role='Recruiter', minutes=120)}"}
    variants = {"before": (args.compare_code.resolve(), args.workers), "after": (ROOT, args.workers)}
    order = ["before", "after", "after", "before"]
    if args.also_workers:
        variants[f"after, {args.also_workers} workers"] = (ROOT, args.also_workers)
        order = ["before", "after", f"after, {args.also_workers} workers", f"after, {args.also_workers} workers",
                 "after", "before"]
    print(f"tenant {TENANT_SLUG} ({args.consultants} consultants); {args.requests} requests per scenario, "
          f"{args.concurrency} concurrent clients; before = {variants['before'][0]}, after = {ROOT}; "
          f"workers: {args.workers or 'each checkout’s `serve` default'} (after's default: "
          f"{settings.api_workers}); load average {os.getloadavg()[0]:.1f} at the start")
    figures: dict[str, list[dict]] = {v: [] for v in variants}
    bodies: dict[str, list[dict]] = {}
    probes = [("requirements", i) for i in requirement_ids[:10]] + [("consultants", i) for i in bench_ids[:10]]
    for variant in order:
        root, workers = variants[variant]
        server = start_server(args, {}, root=root, workers=workers)
        try:
            wait_ready(base)
            if variant not in bodies:
                with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                    bodies[variant] = [comparable(client.post(f"/v1/{kind}/{i}/recommendations",
                                                              params={"topK": 10}, json={"explain": True}).json())
                                       for kind, i in probes]
            warm_up(base, headers, requirement_ids, bench_ids, args.warmup, args.concurrency)
            postmaster = [int((Path(args.data_dir) / "pgdata" / "postmaster.pid").read_text().split()[0])]
            cpu = (cpu_seconds([server.pid]), cpu_seconds(postmaster))
            figures[variant].append(recommendation_scenarios(
                base, headers, requirement_ids, bench_ids, args.requests, args.concurrency, label=f" ({variant})"))
            n = 2 * args.requests
            server_ms, pg_ms = (1000 * (cpu_seconds(p) - c) / n for p, c in zip(([server.pid], postmaster), cpu,
                                                                                  strict=True))
            figures[variant][-1]["cpu"] = {"server": server_ms, "postgres": pg_ms}
            print(f"  CPU per request: API {server_ms:.1f} ms, Postgres {pg_ms:.1f} ms; "
                  f"load average {os.getloadavg()[0]:.1f}")
            if args.rate is not None:
                paced = recommendation_scenarios(base, headers, requirement_ids, bench_ids, paced_requests(args),
                                                 args.concurrency, label=f" ({variant})", rate=args.rate)
                figures[variant][-1].update({f"{k} @{args.rate:g}/s": v for k, v in paced.items()})
            if args.samples:
                figures[variant][-1]["under load"] = under_recommendation_load(
                    base, headers, requirement_ids, bench_ids, bench_ids, args.samples, args.concurrency,
                    rate=args.rate)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for v in variants:
        api, pg = (statistics.fmean(run["cpu"][k] for run in figures[v]) for k in ("server", "postgres"))
        print(f"CPU per request, {v:<18} API {api:5.1f} ms  Postgres {pg:5.1f} ms  (both directions, mean of rounds)")
    same = sum(a == b for a, b in zip(bodies["before"], bodies["after"], strict=True))
    print(f"bodies: {same} of {len(probes)} identical before and after (ids and createdAt aside)")
    scenarios = ["requirement", "consultant"]
    if args.rate is not None:
        scenarios += [f"requirement @{args.rate:g}/s", f"consultant @{args.rate:g}/s"]
    for direction in scenarios:
        mean = {v: {k: statistics.fmean(run[direction][k] for run in figures[v]) for k in ("p50", "p95", "rps")}
                for v in variants}
        b = mean["before"]
        for v in list(variants)[1:]:
            a = mean[v]
            print(f"mean of rounds, for {direction:<11} before p50 {b['p50']:.1f} p95 {b['p95']:.1f} ms "
                  f"{b['rps']:.1f} rps; {v} p50 {a['p50']:.1f} p95 {a['p95']:.1f} ms {a['rps']:.1f} rps; "
                  f"ratio p50 {b['p50'] / a['p50']:.2f}x p95 {b['p95'] / a['p95']:.2f}x rps {a['rps'] / b['rps']:.2f}x")
    if args.samples:
        for name in next(iter(figures["before"]))["under load"]:
            p95 = {v: statistics.fmean(run["under load"][name] for run in figures[v]) for v in variants}
            print(f"under load, mean p95 of rounds, {name:<48} before {p95['before']:8.1f} ms  " + "  ".join(
                f"{v} {p95[v]:8.1f} ms ({p95['before'] / p95[v]:.2f}x)" for v in list(variants)[1:]))


def requirement_email(i: int) -> bytes:
    """A vendor's requirement email like the ones recruiters get all day (unique per call: its own Message-ID)."""
    title, summary, skills = FAMILIES[i % len(FAMILIES)]
    state = STATES[i % len(STATES)]
    return (f"From: Recruiter {i} <recruiter{i}@vendor{i % 7}.example>\r\n"
            f"To: bench@benchcrm.example\r\nSubject: {title} - Remote / {state} - C2C - req {uuid.uuid4().hex[:6]}\r\n"
            f"Message-ID: <{uuid.uuid4()}@vendor.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hi,\r\n\r\nRole: {title}\r\nLocation: Remote, {state}\r\nDuration: 12 months\r\n"
            f"Rate: ${60 + i % 30}/hr C2C\r\nMust have: {', '.join(skills)}\r\nDescription: {summary}.\r\n"
            f"Visa: USC, GC, H1B\r\n\r\nThanks,\r\nRecruiter {i}\r\n").encode()


def sample(name: str, goal_ms: float, times: list[float], statuses: dict[int, int]) -> None:
    ok = statuses.get(200, 0) + statuses.get(201, 0)
    p95 = percentile(times, .95)
    print(f"{name:<50} n={len(times):>3}  p50={percentile(times, .5):7.1f} ms  p95={p95:7.1f} ms  "
          f"goal p95 <= {goal_ms:.0f} ms: {'met' if p95 <= goal_ms else 'NOT met'}  status={statuses}"
          + ("" if ok == len(times) else "  (not all 2xx)"))


def under_recommendation_load(base: str, headers: dict, requirement_ids: list[str], consultant_ids: list[str],
                              bench_ids: list[str], samples: int, concurrency: int, rate: float | None = None
                              ) -> dict[str, float]:
    """Lists, search, get and email -> first recommendations, sampled by one client while `concurrency` clients
    keep the recommendation load on (both directions, alternating; as fast as answered, or at `rate` a second)."""
    stop = threading.Event()
    load_count = [0]
    lock = threading.Lock()
    counter = iter(range(1 << 62))
    pace = Pace(rate)

    def load() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            while not stop.is_set():
                with lock:
                    i = next(counter)
                pace.due(i)
                if i % 2:
                    client.post(f"/v1/consultants/{bench_ids[i % len(bench_ids)]}/recommendations",
                                params={"topK": 10}, json={"explain": True})
                else:
                    client.post(f"/v1/requirements/{requirement_ids[i % len(requirement_ids)]}/recommendations",
                                params={"topK": 10}, json={"explain": True})
                with lock:
                    load_count[0] += 1

    threads = [threading.Thread(target=load, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    results: dict[str, tuple[list[float], dict[int, int]]] = {}

    def timed(name: str, call: Callable[[], httpx.Response]) -> httpx.Response:
        t0 = time.perf_counter()
        r = call()
        times, statuses = results.setdefault(name, ([], {}))
        times.append((time.perf_counter() - t0) * 1000)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        return r

    email_to_recs: list[float] = []
    email_statuses: dict[int, int] = {}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for i in range(samples):
                timed("list consultants (50)", lambda: client.get("/v1/consultants", params={"limit": 50}))
                timed("full-text search (q=)", lambda: client.get("/v1/consultants",
                                                                 params={"q": "java spring", "limit": 50}))
                timed("get consultant by id", lambda i=i: client.get(f"/v1/consultants/{consultant_ids[i % len(consultant_ids)]}"))
                t0 = time.perf_counter()
                imported = timed("  of which: POST /v1/integrations/inbox/import", lambda i=i: client.post(
                    "/v1/integrations/inbox/import", content=requirement_email(i), headers={"Content-Type": "message/rfc822"}))
                req_id = imported.json().get("requirement_id") if imported.status_code == 200 else None
                if req_id is None:
                    email_statuses[imported.status_code] = email_statuses.get(imported.status_code, 0) + 1
                    continue
                recs = timed("  of which: its first recommendations", lambda req_id=req_id: client.post(
                    f"/v1/requirements/{req_id}/recommendations", params={"topK": 10}, json={"explain": True}))
                email_to_recs.append((time.perf_counter() - t0) * 1000)
                email_statuses[recs.status_code] = email_statuses.get(recs.status_code, 0) + 1
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    wall = time.perf_counter() - started
    offered = "as fast as answered" if rate is None else f"offered {rate:g} rps"
    print(f"\nunder load: {concurrency} clients asking for recommendations the whole time ({offered}; "
          f"{load_count[0] / wall:.1f} rps answered over {wall:.0f} s), one more client sampling:")
    goals = {"list consultants (50)": 20, "full-text search (q=)": 50, "get consultant by id": 10}
    for name in ("list consultants (50)", "full-text search (q=)", "get consultant by id"):
        sample(name, goals[name], *results[name])
    if email_to_recs:
        sample("new requirement email -> first recommendations", 300, email_to_recs, email_statuses)
    else:
        print(f"new requirement email -> first recommendations: no email became a requirement {email_statuses}")
    for name in ("  of which: POST /v1/integrations/inbox/import", "  of which: its first recommendations"):
        if name in results:
            times, statuses = results[name]
            print(f"{name:<50} n={len(times):>3}  p50={percentile(times, .5):7.1f} ms  "
                  f"p95={percentile(times, .95):7.1f} ms  status={statuses}")
    p95s = {name: percentile(times, .95) for name, (times, _) in results.items()}
    if email_to_recs:
        p95s["new requirement email -> first recommendations"] = percentile(email_to_recs, .95)
    return p95s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "benchcrm-api-latency"))
    parser.add_argument("--consultants", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=None,
                        help="API worker processes (`benchcrm serve --workers`; default: serve's, one per core up to 4)")
    parser.add_argument("--rate", type=float, default=None, metavar="RPS",
                        help="Recommendations at this fixed rate (an open loop shared by the --concurrency clients, "
                             "latency from each request's due time) instead of as fast as answered; the issue's "
                             "goal is p95 <= 100 ms at 50")
    parser.add_argument("--paced-seconds", type=float, default=None, metavar="S",
                        help="With --rate: each paced scenario lasts this long (rate x S requests) instead of "
                             "--requests; a minute takes in what recurs every few tens of seconds (checkpoints, "
                             "autovacuum, cache refreshes) that a few seconds may miss")
    parser.add_argument("--warmup", type=int, default=600, metavar="N",
                        help="Recommendations sent (not measured) before the recommendation scenarios, so a freshly "
                             "started server is measured serving, not filling its caches")
    parser.add_argument("--burst", type=int, default=200, metavar="N",
                        help="After the recommendation scenarios, N recommendation requests within one second "
                             "(0: skip)")
    parser.add_argument("--url", default=None, help="Use an already running API (same data dir) instead")
    parser.add_argument("--samples", type=int, default=40,
                        help="Requests of each kind sampled under the recommendation load (0: skip that part)")
    parser.add_argument("--compare-code", type=Path, default=None, metavar="ROOT",
                        help="The recommendation scenarios (with --rate also at that rate, with --samples also "
                             "under load): a server from the checkout at ROOT (before), then "
                             "this one (after), alternating, with their ratio and a comparison of the bodies. ROOT "
                             "refuses a database newer than it knows: copy this checkout's newer migration files "
                             "into ROOT/warehouse/migrations/versions first")
    parser.add_argument("--also-workers", type=int, default=None, metavar="N",
                        help="With --compare-code: also this checkout with N worker processes")
    parser.add_argument("--compare-ranking-cache", action="store_true",
                        help="Only the recommendation scenarios, first with the ranking cache off "
                             "(BENCHCRM_RANKING_CACHE_ENABLED=false), then on, and their ratio (docs/adr/0022)")
    parser.add_argument("--compare-warm-start", type=int, default=None, metavar="N",
                        help="Only a restart, with the caches' warm start off (BENCHCRM_WARM_CACHE_TENANTS=0) and on "
                             "(the default), alternating: seconds until /readyz, then the first N recommendations of "
                             "each direction at --rate (default 40/s) with no warm-up, and their ratio "
                             "(docs/adr/0040)")
    args = parser.parse_args()

    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir
    os.environ.pop("BENCHCRM_JWKS_URL", None)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from serving.auth.tokens import issue_token
    from warehouse.settings import get_settings

    settings = get_settings()
    tenant = load_tenant(settings, args.consultants)
    import sqlalchemy as sa

    from warehouse.db import admin_engine

    with admin_engine(settings).begin() as conn:  # committed: planner statistics for the fresh rows
        conn.execute(sa.text("analyze crm.consultant; analyze crm.embedding; analyze crm.requirement"))
    with admin_engine(settings).connect() as conn:
        requirement_ids = [str(r) for r in conn.execute(sa.text(
            "select id from crm.requirement where tenant_id = :t order by external_id"), {"t": tenant}).scalars()]
        consultant_ids = [str(r) for r in conn.execute(sa.text(
            "select id from crm.consultant where tenant_id = :t order by random() limit 500"), {"t": tenant}).scalars()]
        bench_ids = [str(r) for r in conn.execute(sa.text(  # a consultant's recommendations need a live anchor
            "select id from crm.consultant where tenant_id = :t and status in ('bench', 'marketing') "
            "order by random() limit 500"), {"t": tenant}).scalars()]

    if args.compare_code is not None:
        compare_code(args, settings, tenant, requirement_ids, bench_ids)
        return

    if args.compare_warm_start is not None:
        compare_warm_start(args, settings, tenant, requirement_ids, bench_ids)
        return

    if args.compare_ranking_cache:
        base = f"http://127.0.0.1:{args.port}"
        headers = {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenant, role='Recruiter', minutes=120)}"}
        print(f"tenant {TENANT_SLUG} ({args.consultants} consultants); {args.requests} requests per scenario, "
              f"{args.concurrency} concurrent clients, {args.workers} worker(s); ranking cache off, then on")
        # Off and on alternate (off, on, on, off): a freshly loaded world (autovacuum, cold pages) or another
        # process's load favours neither side.
        figures: dict[str, list[dict]] = {"false": [], "true": []}
        for enabled in ("false", "true", "true", "false"):
            server = start_server(args, {"BENCHCRM_RANKING_CACHE_ENABLED": enabled})
            try:
                wait_ready(base)
                figures[enabled].append(recommendation_scenarios(
                    base, headers, requirement_ids, bench_ids, args.requests, args.concurrency,
                    label=" (cache on)" if enabled == "true" else " (cache off)"))
            finally:
                server.terminate()
                server.wait(timeout=30)
        for direction in ("requirement", "consultant"):
            off, on = ({k: statistics.fmean(run[direction][k] for run in figures[e]) for k in ("p50", "p95", "rps")}
                       for e in ("false", "true"))
            print(f"mean of both rounds, for {direction:<11} off p50 {off['p50']:.1f} p95 {off['p95']:.1f} ms "
                  f"{off['rps']:.1f} rps; on p50 {on['p50']:.1f} p95 {on['p95']:.1f} ms {on['rps']:.1f} rps; "
                  f"ratio p50 {off['p50'] / on['p50']:.2f}x p95 {off['p95'] / on['p95']:.2f}x "
                  f"rps {on['rps'] / off['rps']:.2f}x")
        return

    server = None
    base = args.url
    if base is None:
        base = f"http://127.0.0.1:{args.port}"
        server = start_server(args, {})
    try:
        wait_ready(base)
        headers = {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenant, role='Recruiter', minutes=120)}"}
        print(f"API {base}; tenant {TENANT_SLUG} ({args.consultants} consultants); {args.requests} requests per "
              f"scenario, {args.concurrency} concurrent clients; driver and server are separate processes")
        terms = ["java spring", "snowflake airflow", "react typescript", "salesforce apex", "kubernetes terraform",
                 "selenium", "servicenow", "azure sql"]
        cursors: list[str] = []
        first = httpx.get(f"{base}/v1/consultants", params={"limit": 50}, headers=headers).json()
        page = first
        for _ in range(20):
            if not page.get("nextCursor"):
                break
            cursors.append(page["nextCursor"])
            page = httpx.get(f"{base}/v1/consultants", params={"limit": 50, "cursor": page["nextCursor"]},
                             headers=headers).json()
        n, c = args.requests, args.concurrency
        drive("list consultants (first page, 50)", base, headers,
              lambda cl, i: cl.get("/v1/consultants", params={"limit": 50}), n, c)
        drive("list consultants (cursor pages)", base, headers,
              lambda cl, i: cl.get("/v1/consultants", params={"limit": 50, "cursor": cursors[i % len(cursors)]}), n, c)
        drive("list consultants (filtered)", base, headers,
              lambda cl, i: cl.get("/v1/consultants", params={"limit": 50, "status": "bench",
                                                               "state": STATES[i % 10]}), n, c)
        drive("get consultant by id", base, headers,
              lambda cl, i: cl.get(f"/v1/consultants/{consultant_ids[i % len(consultant_ids)]}"), n, c)
        drive("full-text search consultants (q=)", base, headers,
              lambda cl, i: cl.get("/v1/consultants", params={"q": terms[i % len(terms)], "limit": 50}), n, c)
        drive("full-text search, no match", base, headers,
              lambda cl, i: cl.get("/v1/consultants", params={"q": "cobol mainframe", "limit": 50}), n // 3, c)
        warm_up(base, headers, requirement_ids, bench_ids, args.warmup, c)
        recommendation_scenarios(base, headers, requirement_ids, bench_ids, n, c)
        if args.rate is not None:
            recommendation_scenarios(base, headers, requirement_ids, bench_ids, paced_requests(args), c,
                                     rate=args.rate)
        if args.burst:
            burst(base, headers, requirement_ids, bench_ids, args.burst)
        if args.samples:
            under_recommendation_load(base, headers, requirement_ids, consultant_ids, bench_ids, args.samples, c,
                                      rate=args.rate)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
