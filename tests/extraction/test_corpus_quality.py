"""The hand-written tricky corpus: every email lands where its gold says (requirement, not-a-requirement with the
right reason, or quarantine with the right reason), and field-level quality stays above the issue's targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.extraction.quality import evaluate
from ml.ingest.corpus import requirement_pairs, run_corpus

CORPUS = Path(__file__).with_name("corpus")


@pytest.fixture(scope="module")
def outcomes():
    return run_corpus(CORPUS)


def test_corpus_is_large_and_fully_labelled(outcomes):
    assert len(outcomes) >= 30
    assert all(o.gold.get("expect") in {"requirement", "not_requirement", "quarantine"} for o in outcomes)


def test_every_corpus_email_lands_where_its_gold_says(outcomes):
    wrong = [(o.name, o.gold["expect"], o.gold.get("reason"), o.kind, o.reason) for o in outcomes
             if o.kind != o.gold["expect"] or (o.gold.get("reason") and not (o.reason or "").startswith(o.gold["reason"]))]
    assert wrong == []


def test_hand_corpus_field_quality_meets_targets(outcomes):
    scores = evaluate(requirement_pairs(outcomes))
    assert scores["skills"].f1 >= 0.90
    assert scores["rate"].exact_match >= 0.95
    assert scores["location"].exact_match >= 0.95
    assert scores["title"].exact_match >= 0.85
    assert scores["visa_accepted"].f1 >= 0.90
    assert scores["rate_terms"].f1 >= 0.90
    assert scores["duration_months"].exact_match >= 0.85
