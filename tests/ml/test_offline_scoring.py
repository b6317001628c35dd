"""Offline `score-pairs` core: extraction results → same features and score as live data; bad rows kept with a
cause. The extractor and embedder are passed in (the real ones are the extraction helper's), here small stand-ins
that return schema objects."""

from __future__ import annotations

import math

import numpy as np

from ml.extraction.schemas import (
    Evidence,
    ExtractedSkill,
    Location,
    Rate,
    RequirementExtraction,
    ResumeExtraction,
)
from ml.features.entities import SkillGraph
from ml.matching.offline import OUTPUT_COLUMNS, score_text_pairs
from ml.scoring.formula import FACTORS

EV = Evidence(confidence=0.9)


def _skills(text: str, graph: SkillGraph) -> list[ExtractedSkill]:
    return [ExtractedSkill(raw=n, canonical=n, evidence=EV) for n in graph.names if f" {n.lower()} " in f" {text.lower()} "]


def _extractors(graph: SkillGraph):
    def requirement(text: str) -> RequirementExtraction:
        if "boom" in text:
            raise ValueError("unparseable")
        return RequirementExtraction(
            title="Java Developer", skills=_skills(text, graph), min_years=8,
            location=Location(city="Dallas", state="TX", lat=32.78, lon=-96.80, work_mode="onsite"),
            rate=Rate(amount=70, unit="hour", hourly_usd=70))

    def resume(text: str) -> ResumeExtraction:
        return ResumeExtraction(
            skills=_skills(text, graph), total_years=10,
            location=Location(city="Plano", state="TX", lat=33.02, lon=-96.70),
            rate_expectation=Rate(amount=62, unit="hour", hourly_usd=62) if "rate" in text else None)

    return requirement, resume


def _encode(texts: list[str]) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = rng.normal(size=384)
    return np.array([base + np.random.default_rng(len(t)).normal(size=384) for t in texts])


def test_score_text_pairs_adds_scores_factors_and_reasons_keeping_every_row():
    graph = SkillGraph.from_taxonomy()
    req, res = _extractors(graph)
    rows = [
        {"id": "1", "requirement_text": "Need Java Spring Boot Kafka", "resume_text": "Java Spring Boot Kafka rate"},
        {"id": "2", "requirement_text": "Need Java Spring Boot Kafka", "resume_text": "Python Django"},
        {"id": "3", "requirement_text": "boom", "resume_text": "Java"},
        {"id": "4", "requirement_text": "", "resume_text": "Java"},
    ]
    ticks = []
    out = score_text_pairs(rows, graph=graph, model=None, extract_requirement=req, extract_resume=res,
                           encode=_encode, progress=ticks.append)
    assert len(out) == 4 and sum(ticks) == 4 and [r["id"] for r in out] == ["1", "2", "3", "4"]
    good, weak, broken, empty = out
    assert set(OUTPUT_COLUMNS) <= set(good)
    assert good["match_score"] > weak["match_score"]
    assert math.isclose(sum(good[f"contribution_{f}"] for f in FACTORS),
                        good["match_score"], abs_tol=1e-5)
    assert "Skill overlap 100% (Java, Kafka, Spring, Spring Boot)" in good["reasons"]
    assert "Rate $62/h within $70/h budget" in good["reasons"] and "Plano, TX — 18 mi" in good["reasons"]
    assert weak["factor_rate"] is None and "Rate unknown" in weak["reasons"]  # no rate on the resume
    assert broken["error"] == "extraction failed: ValueError: unparseable" and broken["match_score"] is None
    assert empty["error"] == "empty requirement_text"
