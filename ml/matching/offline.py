"""Score arbitrary (requirement text, resume text) pairs offline, through the same extraction → normalization →
embedding → features → model/seed-formula path as live data. History is unknown offline (weighted out)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ml.features.entities import (
    Consultants,
    Requirements,
    SkillGraph,
    consultants_from_records,
    requirements_from_records,
)
from ml.features.pairs import compute_pair_features, factor_matrix, snapshot
from ml.matching.champion import ChampionModel
from ml.matching.loaders import today_day
from ml.matching.service import seed_probability
from ml.scoring.formula import FACTORS, SEED_MODEL_VERSION, FactorResult, explainable_scores
from ml.scoring.reasons import reasons as build_reasons

OUTPUT_COLUMNS = ("match_score", "success_probability", "model_version",
                  *(f"factor_{f}" for f in FACTORS), *(f"contribution_{f}" for f in FACTORS), "reasons", "error")


def _skill_ids(skills: Iterable[Any], graph: SkillGraph, *, with_required: bool) -> list:
    """Requirement skills as (id, required); resume skills as (id, years, primary, position) — the same shape as
    the live loader's, where the resume import marks the first three listed as primary."""
    out = []
    for position, s in enumerate(skills):
        sid = graph.id_for_name(s.canonical) if getattr(s, "canonical", None) else None
        if sid is None:
            continue
        out.append((sid, bool(s.required)) if with_required
                   else (sid, getattr(s, "years", None), position < 3, position))
    return out


def requirement_record(extraction: Any, graph: SkillGraph, embedding: Sequence[float] | None) -> dict[str, Any]:
    loc = extraction.location
    return {
        "id": None, "title": extraction.title, "lat": loc.lat, "lon": loc.lon, "timezone": loc.timezone,
        "work_mode": loc.work_mode, "bill_rate_max": extraction.rate.hourly_usd if extraction.rate else None,
        "visa_accepted": list(extraction.visa_accepted) or None, "min_years": extraction.min_years,
        "start_date": extraction.start_date, "client_company_id": None,
        "skills": _skill_ids(extraction.skills, graph, with_required=True), "embedding": embedding,
    }


def resume_record(extraction: Any, graph: SkillGraph, embedding: Sequence[float] | None) -> dict[str, Any]:
    loc = extraction.location
    return {
        "id": None, "title": extraction.titles[0] if extraction.titles else None, "titles": list(extraction.titles),
        "city": loc.city, "state": loc.state, "lat": loc.lat, "lon": loc.lon, "timezone": loc.timezone,
        "willing_to_relocate": False,
        "hourly_rate": extraction.rate_expectation.hourly_usd if extraction.rate_expectation else None,
        "visa_status": extraction.visa_status, "years_experience": extraction.total_years,
        "available_from": extraction.available_from,
        "skills": _skill_ids(extraction.skills, graph, with_required=False), "embedding": embedding,
    }


@dataclass
class TextPairFeatures:
    """The feature frame of the rows that could be extracted (`ok[k]` is the input row of frame row k) and each
    input row's error (None when it was featurized)."""

    frame: pl.DataFrame
    reqs: Requirements
    cons: Consultants
    graph: SkillGraph
    ok: list[int]
    errors: list[str | None]


def text_pair_features(
    rows: Sequence[dict[str, Any]], *, graph: SkillGraph, extract_requirement: Callable[[str], Any],
    extract_resume: Callable[[str], Any], encode: Callable[[list[str]], np.ndarray],
    progress: Callable[[int], None] | None = None,
) -> TextPairFeatures:
    """Extraction → normalization → embedding → pair features for (requirement_text, resume_text) rows."""
    n = len(rows)
    req_x: list[Any] = [None] * n
    res_x: list[Any] = [None] * n
    errors: list[str | None] = [None] * n
    for i, row in enumerate(rows):
        req_text, res_text = _text(row.get("requirement_text")), _text(row.get("resume_text"))
        if not req_text or not res_text:
            errors[i] = "empty requirement_text" if not req_text else "empty resume_text"
        else:
            try:
                req_x[i], res_x[i] = extract_requirement(req_text), extract_resume(res_text)
            except Exception as exc:  # one bad row must not sink the file; its cause is written next to it
                errors[i] = f"extraction failed: {type(exc).__name__}: {exc}"
        if progress is not None:
            progress(1)
    ok = [i for i in range(n) if errors[i] is None]
    if ok:
        vectors = np.asarray(encode([_text(rows[i]["requirement_text"]) for i in ok]
                                    + [_text(rows[i]["resume_text"]) for i in ok]))
    else:
        vectors = np.zeros((0, 0), dtype=np.float32)
    req_vecs, res_vecs = vectors[: len(ok)], vectors[len(ok):]
    req_records = [requirement_record(req_x[i], graph, req_vecs[k]) for k, i in enumerate(ok)]
    con_records = [resume_record(res_x[i], graph, res_vecs[k]) for k, i in enumerate(ok)]
    graph = graph.for_records(req_records, con_records)
    reqs = requirements_from_records(req_records, graph)
    cons = consultants_from_records(con_records, graph)
    idx = np.arange(len(ok))
    frame = compute_pair_features(reqs, cons, idx, idx, today_day(), graph=graph, history=None)
    return TextPairFeatures(frame, reqs, cons, graph, ok, errors)


def _text(value: Any) -> str:
    """A CSV cell as text: None and NUL bytes (binary garbage pasted into a cell) do not reach the extractor."""
    return str(value or "").replace("\x00", " ").strip()


def score_frame(frame: pl.DataFrame, model: ChampionModel | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(match_score, contributions, effective weights, success probability, factor values, version): the seed
    formula when `model` is None."""
    values = factor_matrix(frame)
    if model is None:
        score, contrib, weights = explainable_scores(values)
        return score, contrib, weights, seed_probability(score), values, SEED_MODEL_VERSION
    pred = model.predict(frame)
    return (pred.match_score, pred.contributions, np.zeros_like(pred.contributions), pred.success_probability,
            values, model.version)


def score_text_pairs(
    rows: Sequence[dict[str, Any]], *, graph: SkillGraph, model: ChampionModel | None,
    extract_requirement: Callable[[str], Any], extract_resume: Callable[[str], Any],
    encode: Callable[[list[str]], np.ndarray], progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Each input row (with `requirement_text`, `resume_text`) comes back with OUTPUT_COLUMNS added. A row whose
    text cannot be extracted keeps its place with `error` set and empty scores: nothing is dropped."""
    feats = text_pair_features(rows, graph=graph, extract_requirement=extract_requirement,
                               extract_resume=extract_resume, encode=encode, progress=progress)
    out = [{**row, **dict.fromkeys(OUTPUT_COLUMNS), "error": feats.errors[i]} for i, row in enumerate(rows)]
    if not feats.ok:
        return out
    score, contrib, weights, prob, values, version = score_frame(feats.frame, model)
    for k, i in enumerate(feats.ok):
        features = snapshot(feats.frame, k, feats.reqs, feats.cons, feats.graph)
        factors = {f: FactorResult(value=None if not np.isfinite(values[k, j]) else float(values[k, j]),
                                   weight=float(weights[k, j]), contribution=float(contrib[k, j]),
                                   status="known" if np.isfinite(values[k, j]) else "unknown")
                   for j, f in enumerate(FACTORS)}
        row = out[i]
        row["match_score"] = round(float(np.nan_to_num(score[k])), 6)
        row["success_probability"] = round(float(np.nan_to_num(prob[k])), 6)
        row["model_version"] = version
        for j, f in enumerate(FACTORS):
            row[f"factor_{f}"] = factors[f].value if factors[f].value is None else round(factors[f].value, 6)
            row[f"contribution_{f}"] = round(float(contrib[k, j]), 6)
        row["reasons"] = "; ".join(build_reasons(features, factors))
    return out
