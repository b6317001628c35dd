"""Real-text pairs through the real extractor and embedder: text-only pairs are ranked on their text, bad input keeps
its row with a cause or unknown factors weighted out — never NaN, never an exception that sinks the file."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.ai.embeddings import CHUNK_WORDS, chunk_texts, get_embedder, mean_by_owner
from ml.extraction import extract_requirement, extract_resume
from ml.features.entities import SkillGraph
from ml.features.text_fit import title_similarity
from ml.matching.offline import score_text_pairs
from ml.scoring.formula import FACTORS
from tests.ml.texts import ACCOUNTANT, BARISTA, POSTING


def _score(rows):
    return score_text_pairs(rows, graph=SkillGraph.from_taxonomy(), model=None, extract_requirement=extract_requirement,
                            extract_resume=extract_resume, encode=get_embedder().encode)


def test_text_only_pairs_rank_on_text_with_an_explanation_that_adds_up():
    good, bad = _score([{"requirement_text": POSTING, "resume_text": ACCOUNTANT},
                        {"requirement_text": POSTING, "resume_text": BARISTA}])
    for row in (good, bad):
        assert row["error"] is None and math.isfinite(row["match_score"])
        assert row["factor_role"] is not None  # the text fit is known for every pair with text
        assert math.isclose(sum(row[f"contribution_{f}"] for f in FACTORS), row["match_score"], abs_tol=1e-5)
        assert "Role fit" in row["reasons"]
    assert good["match_score"] > bad["match_score"]
    assert good["factor_rate"] is None and good["contribution_rate"] == 0  # unknown: weighted out, not zero-scored


@pytest.mark.parametrize("resume", [
    "", "Java", "Ingénieure logiciel avec dix ans d'expérience en Java et Kubernetes à Paris.",
    ACCOUNTANT + "\n" + ACCOUNTANT, "lorem ipsum " * 20_000, "\x00\x01\xff garbage \x00" * 50,
])
def test_bad_resume_text_keeps_its_row_with_a_cause_or_finite_scores(resume):
    (row,) = _score([{"requirement_text": POSTING, "resume_text": resume}])
    if row["error"] is not None:
        assert row["match_score"] is None and row["error"]
    else:
        assert math.isfinite(row["match_score"]) and math.isfinite(row["success_probability"])
        assert all(row[f"factor_{f}"] is None or math.isfinite(row[f"factor_{f}"]) for f in FACTORS)


def test_long_texts_are_embedded_in_chunks_and_short_ones_exactly_as_before():
    short, long = "Java developer in Dallas", " ".join(["kubernetes"] * (CHUNK_WORDS * 3 + 5))
    pieces, owner = chunk_texts([short, long])
    assert pieces[0] == short and list(owner) == [0, 1, 1, 1, 1]
    vectors = get_embedder().encode([short, long])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    whole = get_embedder().encode_unchunked([short])
    assert np.allclose(vectors[0], whole[0], atol=1e-6)  # a short text keeps its single vector
    merged = mean_by_owner(np.eye(3, dtype=np.float32), np.array([0, 0, 1]), 2)
    assert np.allclose(merged, [[2 ** -0.5, 2 ** -0.5, 0], [0, 0, 1]])


def test_title_similarity_folds_seniority_and_synonyms_and_is_unknown_without_titles():
    assert title_similarity("Sr. Java Developer II", ["Java Engineer"]) == 1.0
    assert title_similarity("Staff Accountant", ["Senior Accountant", "Bookkeeper"]) == 1.0
    assert 0 < title_similarity("Data Engineer", ["Software Engineer"]) < 0.5
    assert title_similarity("Registered Nurse", ["Barista"]) == 0.0
    assert math.isnan(title_similarity(None, ["Java Engineer"])) and math.isnan(title_similarity("Nurse", []))
