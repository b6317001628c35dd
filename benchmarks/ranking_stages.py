"""Where a recommendation spends its time, in process (no HTTP, no stored run): mean of `result.stats` per stage
over the benchmark tenant's anchors, both directions, without and with a warm ranking cache (docs/adr/0022).

Uses the tenant that `benchmarks/api_latency.py` loads (run it once with the same --data-dir first).

    python benchmarks/ranking_stages.py --data-dir /tmp/cache-bench-10k [--anchors 100]
"""

from __future__ import annotations

import argparse
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


if __name__ == "__main__":
    main()
