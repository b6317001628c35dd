"""The candidate search before and after its text source was ranked inside Postgres (issue 12, ADR 0031).

For anchors of a tenant (both directions), interleaved on one connection so both meet the same load:
- `before`: the candidate query of a base commit (`--base`): app.fts_<table> returns every text match as a whole
  row, and the query filters and ranks them;
- `after`: this checkout's query: app.fts_top_<table> (migration 0035) ranks the matchable matches and returns the
  best ids only;
- `index`: this checkout's query with the text and skill sources answered by a warm in-process index (the API's
  default, ADR 0032; the first round fills it, its time includes the index's own work).
Prints the query's mean / p95 milliseconds, the ratio, and whether both proposed the same candidates (ids, the
sources that proposed each, and their cosines): the change must cost nothing in results.

    python benchmarks/candidate_search.py --data-dir /tmp/speed-100k --tenant bench-latency --anchors 40
    python benchmarks/candidate_search.py --data-dir /work/demo-full --tenant acme
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def base_queries(commit: str):
    """warehouse/queries/matching.py as it was at `commit`, imported as its own module."""
    source = subprocess.run(["git", "show", f"{commit}:warehouse/queries/matching.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "base_matching.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("base_matching", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["base_matching"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def differ_only_in_text_ties(conn, direction, search, found: dict) -> bool:
    """Whether every candidate proposed by one variant and not the other is a text match whose ts_rank equals the
    lowest rank that made the text source's cut (which of equal ranks gets in is arbitrary before, by id after)."""
    import sqlalchemy as sa

    differing = {r[0] for r in found["before"] ^ found["after"]}
    text_ids = {r[0] for r in found["before"] | found["after"] if "fts" in r[1]}
    if not differing <= text_ids:
        print(f"  {direction.value}: differs beyond the text source: "
              f"{sorted(found['before'] ^ found['after'], key=str)[:4]}")
        return False
    ranks = dict(conn.execute(sa.text(
        f"select id, ts_rank(search_tsv, to_tsquery('english', :q)) from crm.{direction.candidate.name} "
        "where id = any(:ids)"), {"q": search.tsquery, "ids": list(text_ids)}).all())
    cut = min(ranks[r[0]] for r in found["after"] if "fts" in r[1])
    if not all(abs(ranks[i] - cut) < 1e-7 for i in differing):
        print(f"  {direction.value}: text matches near the cut differ: lowest ts_rank in {cut:.6f}, differing "
              f"{', '.join(f'{ranks[i]:.6f}' for i in sorted(differing, key=ranks.get))}")
    return all(abs(ranks[i] - cut) < 1e-7 for i in differing)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--tenant", default="bench-latency")
    parser.add_argument("--anchors", type=int, default=40)
    parser.add_argument("--base", default="6920d03", help="commit whose candidate query is `before`")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the anchors (the first warms caches)")
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import sqlalchemy as sa

    from ml.ai.embeddings import active_model_name
    from ml.matching.candidates import CandidateLimits, candidate_search
    from ml.matching.candidates import candidates as index_candidates
    from ml.matching.loaders import load_records, load_skill_graph
    from ml.matching.text_index import TextIndex
    from warehouse.bootstrap import prepare_database
    from warehouse.db import admin_engine, app_engine, tenant_tx
    from warehouse.queries import matching as queries
    from warehouse.settings import get_settings

    settings = get_settings()
    MODEL_NAME = active_model_name()  # the vector space the API reads
    prepare_database(settings)  # migrations (this checkout's functions) and the application role's password
    before = base_queries(args.base)
    with admin_engine(settings).connect() as conn:
        tenant = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": args.tenant}).scalar_one()
        sizes = conn.execute(sa.text(
            "select (select count(*) from crm.consultant where tenant_id = :t), "
            "(select count(*) from crm.requirement where tenant_id = :t), current_setting('shared_buffers')"),
            {"t": tenant}).one()
        anchors = {
            queries.Direction.FOR_REQUIREMENT: conn.execute(sa.text(
                "select id from crm.requirement where tenant_id = :t and status = 'open' and deleted_at is null "
                "order by md5(id::text) limit :n"), {"t": tenant, "n": args.anchors}).scalars().all(),
            queries.Direction.FOR_CONSULTANT: conn.execute(sa.text(
                "select id from crm.consultant where tenant_id = :t and status in ('bench', 'marketing') "
                "and deleted_at is null order by md5(id::text) limit :n"),
                {"t": tenant, "n": args.anchors}).scalars().all(),
        }
    print(f"tenant {args.tenant}: {sizes[0]} consultants, {sizes[1]} requirements, shared_buffers {sizes[2]}; "
          f"{args.anchors} anchors a direction, {args.rounds} rounds (figures from the last), base {args.base}")
    engine = app_engine(settings)
    limits = CandidateLimits()
    text_index = TextIndex(max_staleness_s=3600)
    print(f"{'direction':<28} {'variant':<7} {'mean ms':>9} {'p95 ms':>9} {'ratio':>7}  same candidates")
    for direction, ids in anchors.items():
        with tenant_tx(tenant, engine) as conn:
            graph = load_skill_graph(conn)
            tenant_key = queries.current_tenant(conn)
            for _ in range(args.rounds):
                times: dict[str, list[float]] = {"before": [], "after": [], "index": []}
                same = ties = same_index = 0
                for anchor_id in ids:
                    anchor = load_records(conn, direction.anchor, [anchor_id], model=MODEL_NAME)[0]
                    search = candidate_search(anchor, model=MODEL_NAME, limits=limits,
                                              skill_names=graph.names_of(s[0] for s in anchor["skills"]))
                    found = {}
                    for variant in ("before", "after", "index"):
                        started = time.perf_counter()
                        if variant == "before":
                            rows = before.candidates(conn, before.Direction(direction.value),
                                                     before.CandidateSearch(**{k: v for k, v in vars(search).items() if k not in ("fts_ids", "sk_ids")}),
                                                     ef_search=limits.ef_search, tenant=tenant_key)
                        elif variant == "after":
                            rows = queries.candidates(conn, direction, search, ef_search=limits.ef_search,
                                                      tenant=tenant_key)
                        else:  # the API's path: ml.matching.candidates.candidates with the process's index
                            proposed = index_candidates(conn, direction, anchor, model=MODEL_NAME, limits=limits,
                                                        tenant=tenant_key, text_index=text_index,
                                                        skill_names=graph.names_of(s[0] for s in anchor["skills"]))
                            rows = [(cid, c.sources, c.cosine) for cid, c in proposed.items()]
                        times[variant].append((time.perf_counter() - started) * 1000)
                        found[variant] = {(r[0], tuple(sorted(r[1])), round(r[2] or 0.0, 6)) for r in rows}
                    same_index += found["index"] == found["after"]
                    if found["before"] == found["after"]:
                        same += 1
                    elif differ_only_in_text_ties(conn, direction, search, found):
                        ties += 1
        base = statistics.fmean(times["before"])
        for variant in ("before", "after", "index"):
            mean = statistics.fmean(times[variant])
            print(f"{direction.value:<28} {variant:<7} {mean:9.1f} {p95(times[variant]):9.1f} {base / mean:6.2f}x"
                  + (f"  {same} of {len(ids)} anchors; {ties} more differ only in which of the text matches tied at "
                     "the cut made it (ts_rank equal)" if variant == "after" else "")
                  + (f"  {same_index} of {len(ids)} anchors the same as `after`" if variant == "index" else ""))


if __name__ == "__main__":
    main()
