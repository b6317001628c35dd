"""The in-process text index (docs/adr/0032): it ranks an OR of words as Postgres' ts_rank does, from postings it
fetched once per staleness period, per tenant, within its memory bound."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ml.matching.text_index import TextIndex
from warehouse.db import tenant_tx
from warehouse.queries.matching import CONSULTANT, query_lexemes, text_postings

A, B, C, D = (uuid.UUID(int=i) for i in (1, 2, 3, 4))
POSTINGS = {"java": ([A, B, C], [0.5, 0.25, 0.25]), "aws": ([B, C, D], [0.5, 0.25, 0.75]), "go": ([], [])}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fetcher(postings=POSTINGS):
    calls: list[list[str]] = []

    def fetch(lexemes: list[str]):
        calls.append(lexemes)
        return {lexeme: postings[lexeme] for lexeme in lexemes}
    return fetch, calls


def test_an_or_of_words_ranks_by_the_mean_of_their_ranks_best_first_ties_by_id():
    fetch, _ = fetcher()
    index = TextIndex()
    # sums: A .5, B .75, C .5, D .75 (over two words): B and D tie first (by id), then A and C
    assert index.top("t", "consultant", ["java", "aws"], 4, fetch) == [B, D, A, C]
    assert index.top("t", "consultant", ["aws", "java", "aws"], 3, fetch) == [B, D, A]
    assert index.top("t", "consultant", ["java"], 10, fetch) == [A, B, C]
    assert index.top("t", "consultant", ["go"], 10, fetch) == [] and index.top("t", "consultant", [], 5, fetch) == []


def test_top_k_among_thousands_of_tied_rows_is_the_k_smallest_ids_even_after_more_rows_arrive():
    """Ties decide the list when a popular word ranks thousands of rows alike: they must go by uuid order (Postgres'),
    over both halves of the id and the top bit, also for rows interned after the first answer."""
    import random

    import numpy as np

    rng = random.Random(7)
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(3000)]
    ids += [uuid.UUID(int=(1 << 127) | 5), uuid.UUID(int=(1 << 127) | 4), uuid.UUID(int=5), uuid.UUID(int=(5 << 64))]
    levels = [0.0, 0.1, 0.25, 0.5]  # 0.0: a match all the same
    postings = {"java": (ids[:2000], [rng.choice(levels) for _ in range(2000)]),
                "aws": (ids[1000:], [rng.choice(levels) for _ in ids[1000:]])}

    def expected(words: list[str], k: int) -> list[uuid.UUID]:
        total: dict[uuid.UUID, np.float32] = {}
        for word in sorted(set(words)):
            for row, rank in zip(*postings[word], strict=True):
                total[row] = np.float32(total.get(row, np.float32(0)) + np.float32(rank))
        mean = {row: np.float32(v / np.float32(len(set(words)))) for row, v in total.items()}
        return sorted(mean, key=lambda row: (-mean[row], row.int))[:k]

    fetch, _ = fetcher(postings)
    index = TextIndex()
    assert index.top("t", "consultant", ["java"], 150, fetch) == expected(["java"], 150)
    # "aws" interns 1,004 more rows, some of them before every earlier one in uuid order
    assert index.top("t", "consultant", ["aws"], 150, fetch) == expected(["aws"], 150)
    assert index.top("t", "consultant", ["java", "aws"], 300, fetch) == expected(["java", "aws"], 300)
    assert index.top("t", "consultant", ["java", "aws"], 5000, fetch) == expected(["java", "aws"], 5000)


def test_a_negative_or_missing_rank_is_refused_not_ranked():
    for bad in (-0.5, float("nan")):
        fetch, _ = fetcher({"java": ([A, B], [0.5, bad])})
        with pytest.raises(ValueError, match="non-negative"):
            TextIndex().top("t", "consultant", ["java"], 2, fetch)


def test_a_word_is_fetched_once_per_staleness_period_and_per_tenant():
    fetch, calls = fetcher()
    clock = Clock()
    index = TextIndex(max_staleness_s=30, clock=clock)
    index.top("t1", "consultant", ["java", "aws"], 2, fetch)
    index.top("t1", "consultant", ["aws", "go"], 2, fetch)
    assert calls == [["aws", "java"], ["go"]]
    index.top("t2", "consultant", ["java"], 2, fetch)  # another tenant never sees t1's postings
    index.top("t1", "requirement", ["java"], 2, fetch)  # nor another entity
    assert calls[2:] == [["java"], ["java"]]
    clock.now = 31
    changed = {**POSTINGS, "java": ([D], [1.0])}
    fetch2, calls2 = fetcher(changed)
    assert index.top("t1", "consultant", ["java"], 5, fetch2) == [D]  # re-read once stale
    assert calls2 == [["java"]]


def test_an_unchanged_tenants_words_are_kept_past_the_period_while_the_listener_says_so():
    from ml.matching.tenant_cache import TenantCache

    clock = Clock()
    changes = TenantCache(max_staleness_s=30, clock=clock)
    changes.enabled = True  # a listener is connected
    index = TextIndex(max_staleness_s=30, clock=clock, changes=changes)
    fetch, calls = fetcher()
    clock.now = 1
    index.top("t", "consultant", ["java"], 1, fetch)
    clock.now = 100
    index.top("t", "consultant", ["java"], 1, fetch)
    assert len(calls) == 1  # nothing changed: no re-read
    changes.invalidate("t", "requirement", None)  # another entity changed
    index.top("t", "consultant", ["java"], 1, fetch)
    assert len(calls) == 1
    changes.invalidate("t", "consultant_skill", str(A))  # a consultant changed: re-read (it is past the period)
    clock.now = 101
    index.top("t", "consultant", ["java"], 1, fetch)
    assert len(calls) == 2
    changes.enabled = False  # listener down: the period alone decides
    clock.now = 200
    index.top("t", "consultant", ["java"], 1, fetch)
    assert len(calls) == 3


def test_memory_is_bounded_least_recently_used_words_first():
    fetch, calls = fetcher()
    index = TextIndex(max_postings=4)
    index.top("t", "consultant", ["java"], 1, fetch)  # 3 postings
    index.top("t", "consultant", ["aws"], 1, fetch)  # 6 > 4: java goes
    assert index.size() == {"lexemes": 1, "postings": 3, "rows": 4}
    index.top("t", "consultant", ["java"], 1, fetch)
    assert calls[-1] == ["java"]
    with pytest.raises(ValueError):
        TextIndex(max_postings=0)


@pytest.fixture
def worded_tenant(make_tenant, admin_engine):
    tenant = make_tenant()
    rows = [("Java Developer", "java spring aws", "bench"), ("Java Java Lead", "java", "marketing"),
            ("AWS Engineer", "aws terraform", "bench"), ("Java Architect", "java aws kafka", "placed"),
            ("Python Developer", "python aws aws", "bench"), ("Spring Developer", "spring java", "bench")]
    with admin_engine.begin() as conn:
        conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
        for title, summary, status in rows:
            conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name, title, summary, status) "
                                 "values (:t, 'X', :title, :summary, :status)"),
                         {"t": tenant, "title": title, "summary": summary, "status": status})
    return tenant


@pytest.mark.parametrize("words", ["java | aws", "spring | developer | java", "terraform", "kafka | python"])
def test_it_answers_what_postgres_answers_for_the_same_words(app_engine, worded_tenant, words):
    index = TextIndex()
    with tenant_tx(worded_tenant, app_engine) as conn:
        expected = conn.execute(sa.text(
            "select id from app.fts_top_consultant(to_tsquery('english', :q), array['bench','marketing'], 3)"),
            {"q": words}).scalars().all()
        lexemes = index.lexemes_of(words, lambda w: query_lexemes(conn, w))
        found = index.top(str(worded_tenant), "consultant", lexemes, 3,
                          lambda missing: text_postings(conn, CONSULTANT, missing))
    assert found == expected
    assert found  # every query here matches a matchable row


def test_postings_hold_only_the_callers_matchable_rows(app_engine, worded_tenant, make_tenant):
    with tenant_tx(worded_tenant, app_engine) as conn:
        java = text_postings(conn, CONSULTANT, ["java"])["java"]
    assert len(java[0]) == 3 and all(r > 0 for r in java[1])  # the placed architect is not proposed
    with tenant_tx(make_tenant(), app_engine) as conn:
        assert text_postings(conn, CONSULTANT, ["java"]) == {"java": ([], [])}


def test_with_its_own_connections_a_miss_never_waits_in_the_request():
    """The API's mode: a query with words not held yet is answered None (the database answers that request) and one
    background thread reads them, on a connection of the same tenant; a failed read is retried by the next miss."""
    from contextlib import contextmanager

    opened: list[str] = []

    @contextmanager
    def connect(tenant: str):
        opened.append(tenant)
        yield f"connection of {tenant}"

    queried: list[tuple[str, list[str]]] = []

    def query(conn, missing: list[str]):
        queried.append((conn, missing))
        return {lexeme: POSTINGS[lexeme] for lexeme in missing}

    def broken(conn, missing: list[str]):
        raise RuntimeError("the database went away")

    fetch, calls = fetcher()
    index = TextIndex(connect=connect)
    try:
        assert index.top("t", "consultant", ["java", "aws"], 4, fetch, query=query) is None
        index.wait_idle(timeout=60)
        assert index.top("t", "consultant", ["java", "aws"], 4, fetch, query=query) == [B, D, A, C]
        assert calls == [] and queried == [("connection of t", ["aws", "java"])] and opened == ["t"]
        assert index.top("u", "consultant", ["java"], 4, fetch, query=broken) is None
        index.wait_idle(timeout=60)
        assert index.top("u", "consultant", ["java"], 4, fetch, query=query) is None  # asked again
        index.wait_idle(timeout=60)
        assert index.top("u", "consultant", ["java"], 4, fetch, query=query) == [A, B, C]
    finally:
        index.close()
