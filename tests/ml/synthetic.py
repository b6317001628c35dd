"""A seeded synthetic bench with a known outcome process, for ML tests (the demo world replaces it in benchmarks).

Signal: P(advance) = sigmoid(b0 + skills + location + rate + seniority + availability + latent consultant talent
+ latent client pickiness). Latent terms are only learnable through history features; everything else through
pair features. `write_world` stores it through the owner engine exactly as ingestion would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from ml.features.entities import EPOCH, SkillGraph, consultants_from_records, requirements_from_records
from ml.features.pairs import compute_pair_features
from ml.training.dataset import LabelledSubmissions
from warehouse.db import set_tenant

CITIES = [
    ("Dallas", "TX", 32.78, -96.80, "America/Chicago"), ("Austin", "TX", 30.27, -97.74, "America/Chicago"),
    ("Charlotte", "NC", 35.23, -80.84, "America/New_York"), ("New York", "NY", 40.71, -74.01, "America/New_York"),
    ("Chicago", "IL", 41.88, -87.63, "America/Chicago"), ("Seattle", "WA", 47.61, -122.33, "America/Los_Angeles"),
    ("Phoenix", "AZ", 33.45, -112.07, "America/Phoenix"), ("Atlanta", "GA", 33.75, -84.39, "America/New_York"),
    ("San Jose", "CA", 37.34, -121.89, "America/Los_Angeles"), ("Denver", "CO", 39.74, -104.99, "America/Denver"),
]
VISAS = ["USC", "GC", "H1B", "GC-EAD", "H4-EAD", "OPT"]
START = date(2025, 1, 1)


@dataclass
class SyntheticWorld:
    graph: SkillGraph
    requirements: list[dict]
    consultants: list[dict]
    clients: list[dict]
    submissions: LabelledSubmissions
    p_true: np.ndarray


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_world(graph: SkillGraph, *, n_consultants: int = 600, n_requirements: int = 240, per_requirement: int = 12,
               n_clients: int = 25, seed: int = 11, dim: int = 384, salt: str = "") -> SyntheticWorld:
    """`salt` varies the ids (deterministic uuid5s, so row order and thus training are reproducible) for worlds
    written to the same database."""
    rng = np.random.default_rng(seed)

    def uid(kind: str, i: int) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"benchcrm-synthetic/{seed}/{salt}/{kind}/{i}")

    n_skills = len(graph.ids)
    n_groups = 8
    group_of_skill = rng.integers(0, n_groups, n_skills)
    skill_vec = rng.normal(size=(n_skills, dim))
    group_vec = rng.normal(size=(n_groups, dim)) * 2

    def pick_skills(group: int, k: int) -> list[int]:
        pool = np.flatnonzero(group_of_skill == group)
        own = rng.choice(pool, size=min(k, len(pool)), replace=False)
        noise = rng.choice(n_skills, size=max(1, k // 3), replace=False)
        return sorted(set(own.tolist()) | set(noise.tolist()))

    def embed(group: int, cols: list[int]) -> list[float]:
        v = group_vec[group] + skill_vec[cols].sum(axis=0) + rng.normal(scale=3.0, size=dim)
        return (v / np.linalg.norm(v)).tolist()

    clients = [{"id": uid("client", i), "name": f"Client {i}", "pickiness": float(rng.normal(0, 0.6))}
               for i in range(n_clients)]
    consultants, con_group, talent = [], [], []
    for i in range(n_consultants):
        g = int(rng.integers(0, n_groups))
        cols = pick_skills(g, int(rng.integers(4, 9)))
        city = CITIES[int(rng.integers(0, len(CITIES)))]
        consultants.append({
            "id": uid("consultant", i), "full_name": f"Consultant {i}", "title": "Engineer", "city": city[0],
            "state": city[1], "lat": city[2] + rng.normal(0, 0.2), "lon": city[3] + rng.normal(0, 0.2),
            "timezone": city[4], "remote_ok": True, "willing_to_relocate": bool(rng.random() < 0.2),
            "hourly_rate": float(np.round(np.clip(rng.normal(65, 12), 30, 150), 2)),
            "visa_status": VISAS[int(rng.integers(0, len(VISAS)))],
            "years_experience": float(np.round(rng.uniform(2, 20), 1)),
            "available_from": START + timedelta(days=int(rng.integers(-30, 420))),
            "skills": [graph.ids[c] for c in cols], "embedding": embed(g, cols),
            "resume_text": " ".join(graph.names[c] for c in cols), "status": "bench",
        })
        con_group.append(g)
        talent.append(rng.normal(0, 1.0))
    requirements, req_group, req_client = [], [], []
    for i in range(n_requirements):
        g = int(rng.integers(0, n_groups))
        cols = pick_skills(g, int(rng.integers(3, 7)))
        nice = set(rng.choice(cols, size=len(cols) // 3, replace=False).tolist())
        city = CITIES[int(rng.integers(0, len(CITIES)))]
        client = int(rng.integers(0, n_clients))
        received = START + timedelta(days=int(i * 400 / n_requirements))
        requirements.append({
            "id": uid("requirement", i), "title": f"{graph.names[cols[0]]} Developer", "city": city[0], "state": city[1],
            "lat": city[2], "lon": city[3], "timezone": city[4],
            "work_mode": ["onsite", "hybrid", "remote"][int(rng.integers(0, 3))],
            "bill_rate_max": float(np.round(np.clip(rng.normal(72, 10), 35, 160), 2)),
            "visa_accepted": None, "min_years": float(rng.integers(3, 12)),
            "start_date": received + timedelta(days=int(rng.integers(7, 30))),
            "received_at": datetime(received.year, received.month, received.day, 9, tzinfo=UTC),
            "client_company_id": clients[client]["id"], "status": "open",
            "skills": [(graph.ids[c], c not in nice) for c in cols],
            "embedding": embed(g, cols), "description": " ".join(graph.names[c] for c in cols),
        })
        req_group.append(g)
        req_client.append(client)
    reqs = requirements_from_records(requirements, graph)
    cons = consultants_from_records(consultants, graph)
    ri_list, ci_list = [], []
    con_group_arr = np.array(con_group)
    for r in range(n_requirements):
        same = np.flatnonzero(con_group_arr == req_group[r])
        chosen = set(rng.choice(same, size=min(per_requirement // 2, len(same)), replace=False).tolist())
        while len(chosen) < per_requirement:
            chosen.add(int(rng.integers(0, n_consultants)))
        ri_list += [r] * len(chosen)
        ci_list += sorted(chosen)
    ri, ci = np.array(ri_list), np.array(ci_list)
    received_day = np.array([(requirements[r]["received_at"].date() - EPOCH).days for r in ri], float)
    submitted_day = received_day + rng.integers(0, 5, len(ri))
    f = compute_pair_features(reqs, cons, ri, ci, submitted_day, graph=graph)
    # Non-linear on purpose (a hard rate ceiling, a steep required-skills curve): a linear formula cannot match it.
    req_cov = f["skill_required_coverage"].fill_nan(0.3).to_numpy()
    over_budget = f["rate_ratio"].fill_nan(1.0).to_numpy() > 1.08
    picky = np.array([clients[req_client[r]]["pickiness"] for r in ri])
    z = (-1.3 + 4.0 * (req_cov ** 2 - 0.4) - 1.5 * over_budget - 1.5 * (req_cov < 0.5)
         - 1.5 * over_budget * (picky > 0)
         + 1.2 * (f["location_score"].fill_nan(0.5).to_numpy() - 0.5)
         + 1.6 * (f["rate_score"].fill_nan(0.5).to_numpy() - 0.5)
         + 0.8 * (f["seniority_score"].fill_nan(0.5).to_numpy() - 0.5)
         + 0.6 * (f["availability_score"].fill_nan(0.5).to_numpy() - 0.5)
         + np.array(talent)[ci] + np.array([clients[req_client[r]]["pickiness"] for r in ri]))
    p = _sigmoid(z)
    label = (rng.random(len(p)) < p).astype(float)
    outcome_day = submitted_day + np.where(label > 0, rng.integers(3, 10, len(p)), 21)
    subs = LabelledSubmissions(
        submission_id=[uid("submission", k) for k in range(len(ri))], requirement_id=[requirements[r]["id"] for r in ri],
        consultant_id=[consultants[c]["id"] for c in ci], submitted_day=submitted_day.astype(float),
        received_day=received_day, outcome_day=outcome_day.astype(float), label=label,
    )
    return SyntheticWorld(graph, requirements, consultants, clients, subs, p)


def _ts(day: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=float(day), hours=10)


def write_world(engine: sa.Engine, tenant_id: uuid.UUID, world: SyntheticWorld) -> None:
    """Insert the world as crm rows (owner engine, tenant set), like ingestion + the pipeline history would."""
    names = dict(zip(world.graph.ids, world.graph.names, strict=True))
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)
        t = tenant_id
        conn.execute(sa.text("insert into crm.company (id, tenant_id, name, kind) values (:id, :t, :name, 'client')"),
                     [{"id": c["id"], "t": t, "name": c["name"]} for c in world.clients])
        conn.execute(sa.text(
            "insert into crm.consultant (id, tenant_id, full_name, title, resume_text, years_experience, city, state,"
            " lat, lon, timezone, remote_ok, willing_to_relocate, hourly_rate, visa_status, available_from, status)"
            " values (:id, :t, :full_name, :title, :resume_text, :years_experience, :city, :state, :lat, :lon,"
            " :timezone, :remote_ok, :willing_to_relocate, :hourly_rate, :visa_status, :available_from, :status)"),
            [{**{k: v for k, v in c.items() if k not in ("skills", "embedding")}, "t": t} for c in world.consultants])
        conn.execute(sa.text(
            "insert into crm.consultant_skill (tenant_id, consultant_id, skill_id, raw_name)"
            " values (:t, :c, :s, :n)"),
            [{"t": t, "c": c["id"], "s": s, "n": names[s]} for c in world.consultants for s in c["skills"]])
        conn.execute(sa.text(
            "insert into crm.requirement (id, tenant_id, title, description, city, state, lat, lon, timezone,"
            " work_mode, bill_rate_max, visa_accepted, min_years, start_date, received_at, client_company_id, status)"
            " values (:id, :t, :title, :description, :city, :state, :lat, :lon, :timezone, :work_mode,"
            " :bill_rate_max, :visa_accepted, :min_years, :start_date, :received_at, :client_company_id, :status)"),
            [{**{k: v for k, v in r.items() if k not in ("skills", "embedding")}, "t": t} for r in world.requirements])
        conn.execute(sa.text(
            "insert into crm.requirement_skill (tenant_id, requirement_id, skill_id, raw_name, is_required)"
            " values (:t, :r, :s, :n, :req)"),
            [{"t": t, "r": r["id"], "s": s, "n": names[s], "req": req}
             for r in world.requirements for s, req in r["skills"]])
        conn.execute(sa.text(
            "insert into crm.embedding (tenant_id, entity_type, entity_id, model, dims, vector, content_hash)"
            " values (:t, :kind, :id, :model, 384, :v, 'synthetic')"),
            [{"t": t, "kind": kind, "id": e["id"], "model": active_model_name(), "v": "[" + ",".join(f"{x:.6f}" for x in e["embedding"]) + "]"}
             for kind, rows in (("consultant", world.consultants), ("requirement", world.requirements))
             for e in rows])
        s = world.submissions
        sub_rows, interviews = [], []
        for k in range(len(s)):
            positive = s.label[k] > 0
            sub_rows.append({
                "id": s.submission_id[k], "t": t, "c": s.consultant_id[k], "r": s.requirement_id[k],
                "status": "interviewing" if positive else "rejected", "at": _ts(s.submitted_day[k]),
                "closed": None if positive else _ts(s.outcome_day[k]),
            })
            if positive:
                interviews.append({"t": t, "s": s.submission_id[k], "at": _ts(s.outcome_day[k])})
        conn.execute(sa.text(
            "insert into crm.submission (id, tenant_id, consultant_id, requirement_id, status, submitted_at, closed_at)"
            " values (:id, :t, :c, :r, :status, :at, :closed)"), sub_rows)
        conn.execute(sa.text(
            "insert into crm.interview (tenant_id, submission_id, scheduled_at) values (:t, :s, :at)"), interviews)


def synthetic_split(*, n_consultants: int, n_requirements: int, per_requirement: int, seed: int):
    """Training frame of an in-memory synthetic world over the curated skills, split by time (no database)."""
    from ml.training.dataset import build_training_frame, time_split

    world = make_world(SkillGraph.from_taxonomy(curated=True), n_consultants=n_consultants,
                       n_requirements=n_requirements, per_requirement=per_requirement, seed=seed)
    graph = SkillGraph.from_taxonomy(curated=True).for_records(world.requirements, world.consultants)
    frame = build_training_frame(requirements_from_records(world.requirements, graph),
                                 consultants_from_records(world.consultants, graph), world.submissions, graph)
    return time_split(frame)
