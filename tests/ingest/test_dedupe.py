"""Dedupe rules as pure functions: normalization and the order in which the rules decide."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ml.ingest.dedupe import (
    Existing,
    Nearest,
    decide,
    dedupe_key,
    normalize_client,
    normalize_external_id,
    normalize_title,
    normalized_content_hash,
)

NOW = datetime(2026, 11, 20, tzinfo=UTC)
A, B, C, D = (uuid.uuid4() for _ in range(4))


@pytest.mark.parametrize(("raw", "expected"), [
    ("Sr. Java Developer (Remote)", "senior java developer"),
    ("SENIOR  Java  Developer", "senior java developer"),
    (".NET Core Dev", "net core developer"),
])
def test_normalize_title_folds_abbreviations_case_and_noise(raw, expected):
    assert normalize_title(raw) == expected


def test_normalize_client_drops_legal_suffixes():
    assert normalize_client("The Acme Bank, N.A.") == normalize_client("ACME BANK") == "acme bank"
    assert normalize_client("Globex Corp.") == "globex"


def test_dedupe_key_needs_both_title_and_client():
    assert dedupe_key("Sr. Java Developer", "Acme Bank Inc") == dedupe_key("Senior Java Developer", "acme bank")
    assert dedupe_key("Java Developer", None) is None
    assert dedupe_key(None, "Acme") is None


def test_normalized_content_hash_ignores_rates_contacts_and_spacing_but_not_content():
    a = "Role: Java Dev\nRate: $68/hr C2C\nCall 555-010-1234 or mail jo@vendor.com\nhttps://vendor.com/jobs/1"
    b = "role: java dev\n\nRate: $70 /hr C2C\nCall (555) 010-9999 or mail ann@other.io\nwww.other.io"
    c = "Role: Python Dev\nRate: $68/hr C2C"
    assert normalized_content_hash(a) == normalized_content_hash(b)
    assert normalized_content_hash(a) != normalized_content_hash(c)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Req# 24-10332", "24-10332"), ("24-10332", "24-10332"), ("Job ID: jd-77", "JD-77"), (None, None), ("", None)])
def test_normalize_external_id_strips_labels(raw, expected):
    assert normalize_external_id(raw) == expected


def _near(rid, sim, state="TX", when=NOW, external_id=None) -> Nearest:
    return Nearest(rid, state, external_id, when, similarity=sim)


def _decide(**kw):
    base = {"received_at": NOW, "state": "TX", "external_id": None, "by_external_id": None, "by_content_hash": [],
            "by_dedupe_key": [], "nearest": None}
    return decide(**{**base, **kw})


def test_decide_applies_rules_strongest_first():
    near = _near(D, 0.99)
    b, c = [Existing(B, "TX", None, NOW)], [Existing(C, "TX", None, NOW)]
    assert _decide(by_external_id=A, by_content_hash=b, by_dedupe_key=c, nearest=near).reason == "external_id"
    assert _decide(by_content_hash=b, by_dedupe_key=c, nearest=near).reason == "exact_hash"
    assert _decide(by_dedupe_key=c, nearest=near).reason == "title_client"
    match = _decide(nearest=near)
    assert (match.requirement_id, match.reason, match.similarity) == (D, "embedding", 0.99)
    assert _decide() is None


def test_decide_embedding_needs_threshold_window_and_compatible_state():
    assert _decide(nearest=_near(D, 0.91)) is None
    assert _decide(nearest=_near(D, 0.95, state="NC")) is None
    assert _decide(nearest=_near(D, 0.95, when=NOW - timedelta(days=45))) is None
    assert _decide(state=None, nearest=_near(D, 0.95, state="NC")).reason == "embedding"
    assert _decide(nearest=_near(D, 0.95), threshold=0.97) is None


def test_a_different_state_vetoes_but_a_vendor_relabelled_requisition_does_not():
    dallas = [Existing(C, "NC", None, NOW), Existing(B, "TX", None, NOW)]
    assert _decide(by_dedupe_key=dallas).requirement_id == B  # the compatible one, not the first
    assert _decide(by_content_hash=[Existing(C, "NC", None, NOW)]) is None
    # Sub-vendors put their own numbers on the prime's requisition: "APE-12-1" vs "24-1" is the same job.
    relabelled = [Existing(C, "TX", "24-1", NOW)]
    assert _decide(external_id="APE-12-1", by_dedupe_key=relabelled).requirement_id == C


def test_same_title_merges_on_shared_skills_or_same_state_despite_a_reformatted_body():
    skills = {"Java", "Spring Boot", "Microservices", "AWS"}
    same_skills = Nearest(D, None, None, NOW, similarity=0.70, title="Sr. Java Developer", skills=frozenset(skills))
    match = _decide(state=None, title="Senior Java Developer", skills=skills, nearest=[same_skills])
    assert (match.reason, match.similarity) == ("title_embedding", 0.7)
    other_skills = Nearest(D, None, None, NOW, similarity=0.70, title="Senior Java Developer",
                           skills=frozenset({"Java", "Kafka", "Oracle"}))
    assert _decide(state=None, title="Senior Java Developer", skills=skills, nearest=[other_skills]) is None
    same_state = Nearest(D, "TX", None, NOW, similarity=0.81, title="Senior Java Developer")
    assert _decide(title="Sr Java Developer", nearest=[same_state]).reason == "title_embedding"
    assert _decide(title="Python Developer", skills=skills, nearest=[same_skills]) is None  # another title


@pytest.mark.parametrize(("a", "b", "different"), [
    ("Frontier Bank", "Mercury Health", True),
    ("Frontier Bank", "FRONTIER BANK, N.A.", False),
    ("Frontier Bank", "a leading financial client", False),
    ("Top-5 US bank", "Mercury Health", False),
    (None, "Mercury Health", False),
])
def test_only_two_named_and_different_clients_veto_a_title_merge(a, b, different):
    from ml.ingest.dedupe import different_named_clients

    assert different_named_clients(a, b) is different
    near = Nearest(D, "TX", None, NOW, similarity=0.85, title="Java Developer", client=b)
    assert (_decide(title="Java Developer", client=a, nearest=[near]) is None) is different


def test_another_city_in_the_same_state_is_another_opening():
    austin = [Existing(B, "TX", None, NOW, city="Austin")]
    assert _decide(city="Dallas", by_dedupe_key=austin) is None
    assert _decide(city="austin", by_dedupe_key=austin).requirement_id == B
    assert _decide(city=None, by_dedupe_key=austin).requirement_id == B


def test_two_named_clients_veto_even_a_very_similar_embedding():
    near = Nearest(D, "TX", None, NOW, similarity=0.97, title="Data Engineer", client="Globex")
    assert _decide(title="Data Engineer", client="Initech", nearest=[near]) is None
    assert _decide(title="Data Engineer", client="Fortune 500 bank", nearest=[near]).reason == "embedding"
