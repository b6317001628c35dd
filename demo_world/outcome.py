"""The hidden outcome process: the true probability that a submission advances to a client interview.

This is the world's physics, not a model. It is deliberately NOT the product's explainable seed formula
(0.40·Skills + 0.20·Location + …): it works on TRUE skill levels (resumes pad and omit), has hard gates (a must-have
truly missing, an unaccepted visa), hinges (rate above budget, weeks late), interactions (picky clients weigh depth
more; a strong, experienced consultant is forgiven a higher rate) and latent terms no observable field carries:
client pickiness, requirement difficulty, the consultant's interview skill and a per-pair "chemistry" draw that is
a pure function of the two ids and the world seed. The generator and the oracle both call `advance_logit` on
inputs built by `pair_inputs`, so the oracle reproduces every stored `p_advance` exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtri

from ml.features.geo import haversine_mi

PROCESS_VERSION = "world-outcome-v1"
WORK_MODES = ("onsite", "hybrid", "remote")

# Coefficients of the hidden process (recorded in world.run.params for reproducibility).
COEF: dict[str, float] = {
    "intercept": 0.8,
    "skill": 2.1,             # × (coverage − 0.65), coverage from TRUE levels of required skills
    "missing_must_have": -1.2,  # some required skill truly below 0.25
    "nice": 0.8,
    "picky_depth": 1.6,       # × softplus(pickiness) × (coverage − 0.75)
    "under_years": 0.30,      # per year short of min_years (≤ 6)
    "meets_years": 0.35,
    "over_years": -0.06,      # per year beyond min_years + 8
    "rate_over": -5.0,        # per unit of ask/budget above 0.92
    "rate_far_over": -7.0,    # per unit above 1.05
    "rate_cheap": -1.5,       # per unit below 0.62 (suspiciously cheap)
    "onsite_far": -2.1, "onsite_relocate": -0.9, "hybrid_far": -1.5, "hybrid_relocate": -0.6, "hybrid_local": 0.15,
    "remote_tz": -0.45,       # per hour of time-zone difference beyond 1
    "visa_not_accepted": -2.9,
    "late": -0.05,            # per day available after start, beyond 7 days, up to 60
    "interview_skill": 0.5,
    "pickiness": -0.5,
    "difficulty": -0.55,
    "chemistry": 0.45,        # sd of the per-pair latent draw
    # later stages
    "round_intercept": 0.55, "round_skill": 1.2, "round_coverage": 2.0, "round_pickiness": -0.45,
    "accept_intercept": 1.7, "accept_rate_over": -3.0,
}


@dataclass(frozen=True)
class ConsultantArrays:
    """Entity-level inputs per consultant (row i ↔ ids[i])."""

    ids: list[uuid.UUID]
    levels: np.ndarray          # (n, K) true skill level 0..1 per taxonomy skill index
    true_years: np.ndarray
    hourly_rate: np.ndarray     # the consultant's C2C ask, rounded to cents as stored
    lat: np.ndarray
    lon: np.ndarray
    tz_offset: np.ndarray
    relocate: np.ndarray        # bool
    visa_code: np.ndarray       # int index into vocab.VISAS
    available_day: np.ndarray   # days since 1970-01-01
    interview_skill: np.ndarray
    latent_key: np.ndarray      # uint64 key of the consultant's latent draws (world.consultant_latent.latent_key)


@dataclass(frozen=True)
class RequirementArrays:
    """Entity-level inputs per requirement (row j ↔ ids[j])."""

    ids: list[uuid.UUID]
    required: np.ndarray        # (m, R) skill index, −1 padding
    nice: np.ndarray            # (m, N) skill index, −1 padding
    min_years: np.ndarray
    budget: np.ndarray          # true max hourly bill rate at the top of the chain
    work_mode: np.ndarray       # int index into WORK_MODES
    lat: np.ndarray
    lon: np.ndarray
    tz_offset: np.ndarray
    visa_ok: np.ndarray         # (m, len(VISAS)) bool
    start_day: np.ndarray
    pickiness: np.ndarray
    difficulty: np.ndarray
    latent_key: np.ndarray      # uint64 (world.requirement_truth.latent_key)


@dataclass(frozen=True)
class PairInputs:
    coverage: np.ndarray
    min_level: np.ndarray
    nice: np.ndarray
    true_years: np.ndarray
    min_years: np.ndarray
    rate_ratio: np.ndarray
    work_mode: np.ndarray
    distance_miles: np.ndarray
    tz_diff: np.ndarray
    relocate: np.ndarray
    visa_ok: np.ndarray
    late_days: np.ndarray
    interview_skill: np.ndarray
    pickiness: np.ndarray
    difficulty: np.ndarray
    chemistry: np.ndarray


def latent_keys(kind: int, n: int) -> np.ndarray:
    """Keys of the n consultants (kind 1) or requirements (kind 2) of a world: independent of ids and tenant, so
    the same seed gives the same outcomes in any tenant."""
    return _splitmix64(np.arange(n, dtype=np.uint64) + np.uint64(kind << 40))


def keys_to_db(keys: np.ndarray) -> list[int]:
    """uint64 keys as signed bigint values."""
    return keys.astype(np.uint64).view(np.int64).tolist()


def keys_from_db(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64).view(np.uint64)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def chemistry(seed: int, requirement_words: np.ndarray, consultant_words: np.ndarray) -> np.ndarray:
    """A standard-normal latent per (requirement, consultant), a pure function of their keys and the world seed."""
    with np.errstate(over="ignore"):
        mixed = _splitmix64(requirement_words ^ _splitmix64(consultant_words + np.uint64(seed & 0xFFFF_FFFF)))
    uniform = ((mixed >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    return ndtri(uniform)


def _gather_levels(levels: np.ndarray, ci: np.ndarray, skills: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: levels of the requirement's skills (P, S) and the mask of real (non-padding) slots."""
    mask = skills >= 0
    values = levels[ci[:, None], np.where(mask, skills, 0)]
    return np.where(mask, values, 0.0), mask


def pair_inputs(cons: ConsultantArrays, reqs: RequirementArrays, ci: np.ndarray, ri: np.ndarray, *,
                seed: int) -> PairInputs:
    """Inputs of the hidden process for pairs (consultant row ci[k], requirement row ri[k])."""
    req_levels, req_mask = _gather_levels(cons.levels, ci, reqs.required[ri])
    depth = np.clip((req_levels - 0.25) / 0.5, 0.0, 1.0)
    n_req = np.maximum(req_mask.sum(axis=1), 1)
    coverage = (depth * req_mask).sum(axis=1) / n_req
    min_level = np.where(req_mask, req_levels, 1.0).min(axis=1)
    nice_levels, nice_mask = _gather_levels(cons.levels, ci, reqs.nice[ri])
    nice = np.where(nice_mask.sum(axis=1) > 0,
                    (nice_levels * nice_mask).sum(axis=1) / np.maximum(nice_mask.sum(axis=1), 1), 0.0)
    return PairInputs(
        coverage=coverage, min_level=min_level, nice=nice,
        true_years=cons.true_years[ci], min_years=reqs.min_years[ri],
        rate_ratio=cons.hourly_rate[ci] / reqs.budget[ri],
        work_mode=reqs.work_mode[ri],
        distance_miles=haversine_mi(cons.lat[ci], cons.lon[ci], reqs.lat[ri], reqs.lon[ri]),
        tz_diff=np.abs(cons.tz_offset[ci] - reqs.tz_offset[ri]),
        relocate=cons.relocate[ci],
        visa_ok=reqs.visa_ok[ri, cons.visa_code[ci]],
        late_days=np.maximum(0, cons.available_day[ci] - reqs.start_day[ri]).astype(np.float64),
        interview_skill=cons.interview_skill[ci], pickiness=reqs.pickiness[ri], difficulty=reqs.difficulty[ri],
        chemistry=chemistry(seed, reqs.latent_key[ri], cons.latent_key[ci]),
    )


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(x))


def logit_terms(x: PairInputs, c: dict[str, float] = COEF) -> dict[str, np.ndarray]:
    """The hidden logit split into named terms that sum to `advance_logit`: what an observable could carry (skill,
    must_have, nice, years, rate, location, visa, late) and what no field carries (the latent terms). Evaluation
    uses the split to show where a model's gap to the oracle comes from."""
    gap = x.true_years - x.min_years
    years = (c["under_years"] * np.clip(gap, -6.0, 0.0) + c["meets_years"] * (gap >= 0)
             + c["over_years"] * np.maximum(0.0, gap - 8.0))
    q = x.rate_ratio
    rate = (c["rate_over"] * np.maximum(0.0, q - 0.92) + c["rate_far_over"] * np.maximum(0.0, q - 1.05)
            + c["rate_cheap"] * np.maximum(0.0, 0.62 - q))
    # A strong, experienced consultant is forgiven part of an over-budget ask.
    rate = rate * np.where((x.coverage > 0.8) & (gap >= 3), 0.55, 1.0)
    local = x.distance_miles < 50.0
    onsite = np.where(local, 0.0, np.where(x.relocate, c["onsite_relocate"], c["onsite_far"]))
    hybrid = np.where(local, c["hybrid_local"], np.where(x.relocate, c["hybrid_relocate"], c["hybrid_far"]))
    remote = c["remote_tz"] * np.maximum(0.0, x.tz_diff - 1.0)
    picky_depth = c["picky_depth"] * _softplus(x.pickiness) * (x.coverage - 0.75)
    # Split the picky-client × depth interaction: its value at average pickiness belongs to the skill term.
    picky_depth_avg = c["picky_depth"] * np.log(2.0) * (x.coverage - 0.75)
    return {
        "intercept": np.full(len(q), c["intercept"]),
        "skill": c["skill"] * (x.coverage - 0.65) + picky_depth_avg,
        "must_have": c["missing_must_have"] * (x.min_level < 0.25),
        "nice": c["nice"] * (x.nice - 0.3),
        "years": years, "rate": rate, "location": np.choose(x.work_mode, [onsite, hybrid, remote]),
        "visa": c["visa_not_accepted"] * (~x.visa_ok),
        "late": c["late"] * np.clip(x.late_days - 7.0, 0.0, 60.0),
        "latent_interview_skill": c["interview_skill"] * x.interview_skill,
        "latent_pickiness": c["pickiness"] * x.pickiness + (picky_depth - picky_depth_avg),
        "latent_difficulty": c["difficulty"] * x.difficulty,
        "latent_chemistry": c["chemistry"] * x.chemistry,
    }


def advance_logit(x: PairInputs, c: dict[str, float] = COEF) -> np.ndarray:
    return np.sum(list(logit_terms(x, c).values()), axis=0)


def advance_probability(x: PairInputs) -> np.ndarray:
    return expit(advance_logit(x))


def round_pass_probability(x: PairInputs, c: dict[str, float] = COEF) -> np.ndarray:
    """Probability of passing each client interview round, given an interview."""
    return expit(c["round_intercept"] + c["round_skill"] * x.interview_skill
                 + c["round_coverage"] * (x.coverage - 0.7) + c["round_pickiness"] * x.pickiness)


def accept_probability(x: PairInputs, c: dict[str, float] = COEF) -> np.ndarray:
    """Probability an extended offer is accepted (consultants walk away from low offers)."""
    return expit(c["accept_intercept"] + c["accept_rate_over"] * np.maximum(0.0, x.rate_ratio - 1.0))
