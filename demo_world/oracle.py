"""The oracle: the TRUE probability that submitting a consultant to a requirement gets an interview.

Only evaluation code calls this, through the owner connection (the application role cannot read `world`). It
rebuilds the hidden process' inputs from world.* (latent factors, true requirement) and crm.consultant (location,
rate, visa, availability as stored) and applies `demo_world.outcome` — so for every historical submission it returns
exactly the stored `world.submission_truth.p_advance`, and for any other pair what would have happened.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa

from demo_world import vocab
from demo_world.metrics import roc_auc
from demo_world.outcome import (
    WORK_MODES,
    ConsultantArrays,
    PairInputs,
    RequirementArrays,
    advance_probability,
    keys_from_db,
    pair_inputs,
)
from ml.taxonomy import load_curated_taxonomy
from warehouse.db import set_tenant

EPOCH_SQL = "date '1970-01-01'"
CHUNK = 200_000  # pairs per vectorized batch (bounds memory for requirement × bench evaluations)


class OracleError(LookupError):
    pass


def _world_seed(conn: sa.Connection, tenant_id: uuid.UUID) -> int:
    seed = conn.execute(sa.text("select seed from world.run where tenant_id = :t"), {"t": tenant_id}).scalar()
    if seed is None:
        raise OracleError(f"tenant {tenant_id} has no demo world (world.run is empty for it)")
    return int(seed)


def _consultants(conn: sa.Connection, tenant_id: uuid.UUID, ids: list[uuid.UUID]) -> ConsultantArrays:
    rows = conn.execute(sa.text(
        f"select c.id, l.true_skills, l.true_years, c.hourly_rate, c.lat, c.lon, c.timezone, c.willing_to_relocate,"
        f" c.visa_status, c.available_from - {EPOCH_SQL}, l.interview_skill, l.latent_key "
        "from crm.consultant c join world.consultant_latent l on l.tenant_id = c.tenant_id and l.consultant_id = c.id "
        "where c.tenant_id = :t and c.id = any(:ids)"), {"t": tenant_id, "ids": ids}).all()
    by_id = {r[0]: r for r in rows}
    missing = [str(i) for i in ids if i not in by_id]
    if missing:
        raise OracleError(f"{len(missing)} consultant id(s) not in the world: {', '.join(missing[:3])}")
    skills = sorted(load_curated_taxonomy().skills)
    index = {s: k for k, s in enumerate(skills)}
    levels = np.zeros((len(ids), len(skills)))
    ordered = [by_id[i] for i in ids]
    for k, r in enumerate(ordered):
        for name, level in (r[1] if isinstance(r[1], dict) else json.loads(r[1])).items():
            levels[k, index[name]] = level
    visa_index = {v: k for k, v in enumerate(vocab.VISAS)}
    return ConsultantArrays(
        ids=list(ids), levels=levels, true_years=np.array([r[2] for r in ordered], dtype=float),
        hourly_rate=np.array([float(r[3]) for r in ordered]), lat=np.array([r[4] for r in ordered], dtype=float),
        lon=np.array([r[5] for r in ordered], dtype=float),
        tz_offset=np.array([vocab.TZ_OFFSET[r[6]] for r in ordered], dtype=float),
        relocate=np.array([bool(r[7]) for r in ordered]), visa_code=np.array([visa_index[r[8]] for r in ordered]),
        available_day=np.array([int(r[9]) for r in ordered], dtype=np.int64),
        interview_skill=np.array([r[10] for r in ordered], dtype=float),
        latent_key=keys_from_db([r[11] for r in ordered]))


def _requirements(conn: sa.Connection, tenant_id: uuid.UUID, ids: list[uuid.UUID]) -> RequirementArrays:
    rows = conn.execute(sa.text(
        f"select t.requirement_id, t.required_skills, t.nice_skills, t.min_years, t.budget_hourly, t.work_mode,"
        f" t.lat, t.lon, t.timezone, t.visa_accepted, t.start_date - {EPOCH_SQL}, k.pickiness, t.difficulty,"
        " t.latent_key "
        "from world.requirement_truth t join world.company_latent k "
        "  on k.tenant_id = t.tenant_id and k.company_id = t.client_id "
        "where t.tenant_id = :t and t.requirement_id = any(:ids)"), {"t": tenant_id, "ids": ids}).all()
    by_id = {r[0]: r for r in rows}
    missing = [str(i) for i in ids if i not in by_id]
    if missing:
        raise OracleError(f"{len(missing)} requirement id(s) not in the world: {', '.join(missing[:3])}")
    index = {s: k for k, s in enumerate(sorted(load_curated_taxonomy().skills))}
    ordered = [by_id[i] for i in ids]
    required = np.full((len(ids), 6), -1)
    nice = np.full((len(ids), 3), -1)
    visa_ok = np.zeros((len(ids), len(vocab.VISAS)), dtype=bool)
    visa_index = {v: k for k, v in enumerate(vocab.VISAS)}
    for k, r in enumerate(ordered):
        for slot, name in enumerate(r[1]):
            required[k, slot] = index[name]
        for slot, name in enumerate(r[2]):
            nice[k, slot] = index[name]
        for v in r[9]:
            visa_ok[k, visa_index[v]] = True
    return RequirementArrays(
        ids=list(ids), required=required, nice=nice, min_years=np.array([r[3] for r in ordered], dtype=float),
        budget=np.array([r[4] for r in ordered], dtype=float),
        work_mode=np.array([WORK_MODES.index(r[5]) for r in ordered]),
        lat=np.array([r[6] for r in ordered], dtype=float), lon=np.array([r[7] for r in ordered], dtype=float),
        tz_offset=np.array([vocab.TZ_OFFSET[r[8]] for r in ordered], dtype=float), visa_ok=visa_ok,
        start_day=np.array([int(r[10]) for r in ordered], dtype=np.int64),
        pickiness=np.array([r[11] for r in ordered], dtype=float),
        difficulty=np.array([r[12] for r in ordered], dtype=float),
        latent_key=keys_from_db([r[13] for r in ordered]))


def _pair_arrays(conn: sa.Connection, tenant_id: uuid.UUID, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
                 ) -> tuple[ConsultantArrays, RequirementArrays, np.ndarray, np.ndarray, int]:
    """(consultants, requirements, consultant row per pair, requirement row per pair, world seed)."""
    set_tenant(conn, tenant_id)
    seed = _world_seed(conn, tenant_id)
    req_ids = list(dict.fromkeys(uuid.UUID(str(r)) for r, _ in pairs))
    cons_ids = list(dict.fromkeys(uuid.UUID(str(c)) for _, c in pairs))
    reqs = _requirements(conn, tenant_id, req_ids)
    cons = _consultants(conn, tenant_id, cons_ids)
    r_index = {r: k for k, r in enumerate(req_ids)}
    c_index = {c: k for k, c in enumerate(cons_ids)}
    ri = np.array([r_index[uuid.UUID(str(r))] for r, _ in pairs], dtype=np.int64)
    ci = np.array([c_index[uuid.UUID(str(c))] for _, c in pairs], dtype=np.int64)
    return cons, reqs, ci, ri, seed


def true_inputs(conn: sa.Connection, *, tenant_id: uuid.UUID,
                pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> PairInputs:
    """The hidden process' inputs (true skill levels, latent factors, ...) for each (requirement_id, consultant_id)
    pair, in order. Owner connection only; evaluation code only."""
    cons, reqs, ci, ri, seed = _pair_arrays(conn, uuid.UUID(str(tenant_id)), pairs)
    return pair_inputs(cons, reqs, ci, ri, seed=seed)


def true_probabilities(conn: sa.Connection, *, tenant_id: uuid.UUID,
                       pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> np.ndarray:
    """P(interview | submitted) for each (requirement_id, consultant_id) pair, in order. Owner connection only.

    Raises OracleError when the tenant has no world or an id is not part of it.
    """
    if not pairs:
        return np.zeros(0)
    cons, reqs, ci, ri, seed = _pair_arrays(conn, uuid.UUID(str(tenant_id)), pairs)
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), CHUNK):
        part = slice(start, start + CHUNK)
        out[part] = advance_probability(pair_inputs(cons, reqs, ci[part], ri[part], seed=seed))
    return out


def realized_oracle_auc(conn: sa.Connection, *, tenant_id: uuid.UUID) -> tuple[float, int, float]:
    """(AUC, submissions, advance rate) of the oracle on the realized history, with the label read from crm:
    a submission advanced when it has at least one crm.interview row."""
    set_tenant(conn, tenant_id)
    rows = conn.execute(sa.text(
        "select s.requirement_id, s.consultant_id, s.id in (select i.submission_id from crm.interview i "
        "  where i.tenant_id = :t) "
        "from crm.submission s where s.tenant_id = :t order by s.id"), {"t": tenant_id}).all()
    if not rows:
        raise OracleError(f"tenant {tenant_id} has no submissions")
    p = true_probabilities(conn, tenant_id=tenant_id, pairs=[(r[0], r[1]) for r in rows])
    y = np.array([bool(r[2]) for r in rows])
    return roc_auc(y, p), len(rows), float(y.mean())
