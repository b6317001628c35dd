"""Did a pipeline change change its outputs? Dump what the main job produced in one data folder, then compare two
dumps (e.g. the same seeded world run by the code before and after a speed-up).

    BENCHCRM_DATA_DIR=/tmp/before python benchmarks/pipeline_outputs_diff.py dump /tmp/before.npz [--tenant acme]
    BENCHCRM_DATA_DIR=/tmp/after  python benchmarks/pipeline_outputs_diff.py dump /tmp/after.npz
    python benchmarks/pipeline_outputs_diff.py compare /tmp/before.npz /tmp/after.npz

Compared: parsed requirement fields and skills (keyed by their origin message), consultant skills, every stored
embedding (keyed by entity type and text hash: max |difference| and min cosine), the inbox statuses, and the cached
real-pair feature frame of the promotion gate (the newest of `<data>/cache/real_pairs/*.parquet` and, since ADR 0030,
`$BENCHCRM_CACHE_DIR/real_pairs/*.parquet`) when both runs have one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUERIES = {
    "requirements": (
        "select m.message_id, r.title, r.external_id, r.city, r.state, r.work_mode, r.bill_rate_max, r.min_years, "
        "r.seniority, r.duration_months, r.content_hash, r.extraction_status, "
        "(select string_agg(coalesce(s.raw_name, '') || '|' || coalesce(s.skill_id::text, '') || '|' || "
        "s.is_required::text, ',' order by s.raw_name) from crm.requirement_skill s where s.requirement_id = r.id) "
        "from crm.requirement r join crm.requirement_source src on src.requirement_id = r.id "
        "join crm.inbound_message m on m.id = src.message_id where src.merge_reason = 'origin' order by 1"),
    "messages": "select message_id, status, coalesce(status_reason, '') from crm.inbound_message order by 1",
    "consultant_skills": ("select consultant_id::text, raw_name, coalesce(skill_id::text, '') "
                          "from crm.consultant_skill order by 1, 2"),
}


def dump(out: Path, tenant: str) -> None:
    import sqlalchemy as sa

    from orchestration.defs.resources import PostgresResource
    from warehouse.settings import get_settings

    pg = PostgresResource()
    tables: dict[str, list] = {}
    with pg.tenant_tx(tenant) as conn:
        for name, sql in QUERIES.items():
            tables[name] = [[None if v is None else str(v) for v in row] for row in conn.execute(sa.text(sql))]
        # keyed by text, not id: requirements first seen in a vendor copy get a fresh uuid on every run
        rows = conn.execute(sa.text("select distinct on (1) entity_type || ':' || content_hash, vector::text "
                                    "from crm.embedding order by 1")).all()
    keys = np.asarray([r[0] for r in rows])
    vectors = np.asarray([json.loads(r[1]) for r in rows], dtype=np.float32).reshape(len(rows), -1)
    settings = get_settings()
    # the per-folder cache of earlier code, and the machine's (BENCHCRM_CACHE_DIR, ADR 0030): the newest frame
    frames = sorted([*(settings.data_dir / "cache" / "real_pairs").glob("*.parquet"),
                     *(getattr(settings, "cache_dir", settings.data_dir) / "real_pairs").glob("*.parquet")],
                    key=lambda f: f.stat().st_mtime)
    real = np.zeros((0, 0))
    real_columns: list[str] = []
    if frames:
        import polars as pl

        frame = pl.read_parquet(frames[-1]).sort("row")
        real_columns = [c for c, t in frame.schema.items() if t.is_numeric()]
        real = frame.select(real_columns).to_numpy().astype(np.float64)
    np.savez_compressed(out, tables=json.dumps(tables), keys=keys, vectors=vectors, real=real,
                        real_columns=json.dumps(real_columns))
    print(f"dumped {', '.join(f'{k} {len(v)}' for k, v in tables.items())}, embeddings {len(keys)}, "
          f"real-pair feature rows {len(real)} to {out}")


def compare(a_path: Path, b_path: Path) -> None:
    a, b = np.load(a_path), np.load(b_path)
    ta, tb = json.loads(str(a["tables"])), json.loads(str(b["tables"]))
    same = True
    for name in QUERIES:
        equal = ta[name] == tb[name]
        same &= equal
        print(f"{name:<20} rows {len(ta[name])} vs {len(tb[name])}: {'identical' if equal else 'DIFFERENT'}")
    ka, kb = list(a["keys"]), list(b["keys"])
    common = sorted(set(ka) & set(kb))
    ia, ib = {k: i for i, k in enumerate(ka)}, {k: i for i, k in enumerate(kb)}
    va = a["vectors"][[ia[k] for k in common]]
    vb = b["vectors"][[ib[k] for k in common]]
    diff = float(np.abs(va - vb).max()) if common else 0.0
    cos = float((va * vb).sum(axis=1).min()) if common else 1.0
    same &= len(common) == len(ka) == len(kb)
    print(f"{'embedded texts':<20} {len(ka)} vs {len(kb)}, in both {len(common)}: max |diff| {diff:.2e}, "
          f"min cosine {cos:.6f}")
    ra, rb = a["real"], b["real"]
    if ra.size and rb.size:
        equal_shape = ra.shape == rb.shape and str(a["real_columns"]) == str(b["real_columns"])
        gap = float(np.nanmax(np.abs(ra - rb))) if equal_shape else float("nan")
        print(f"{'real-pair features':<20} {ra.shape} vs {rb.shape}: max |diff| {gap:.2e}")
    print("outputs identical (embeddings to float rounding)" if same else "OUTPUTS DIFFER")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--tenant", default="acme")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    dump(args.out, args.tenant) if args.cmd == "dump" else compare(args.a, args.b)


if __name__ == "__main__":
    main()
