"""The pipeline on the real embedded Postgres with the real parser/extractor/normalizer (extract branch) and a small
deterministic embedder passed in as a parameter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ml.ingest.pipeline import (
    embed_entities,
    normalize_skills,
    process_message,
    process_pending,
    process_resume,
)
from tests.ingest_support import resume_txt, vendor_email
from warehouse.sealed import open_row

TABLES = ("inbound_message", "requirement", "requirement_skill", "requirement_source", "embedding", "quarantine",
          "consultant", "consultant_skill")


def _counts(conn: sa.Connection) -> dict[str, int]:
    return {t: conn.execute(sa.text(f"select count(*) from crm.{t}")).scalar_one() for t in TABLES}


def test_process_message_creates_requirement_with_skills_source_and_embedding(tx, tenant, embedder):
    with tx() as conn:
        out = process_message(conn, tenant_id=tenant, raw=vendor_email(), source="api", embedder=embedder)
    assert out.status == "parsed", out
    assert out.embedded and out.requirement_id is not None
    with tx() as conn:
        req = conn.execute(sa.text(
            "select title, state, bill_rate_max, extraction_status, dedupe_key, content_hash "
            "from crm.requirement where id = :id"), {"id": out.requirement_id}).mappings().one()
        skills = dict(conn.execute(sa.text(
            "select s.raw_name, k.canonical_name from crm.requirement_skill s left join crm.skill k "
            "on k.id = s.skill_id where s.requirement_id = :id"), {"id": out.requirement_id}).all())
        source = conn.execute(sa.text(
            "select merge_reason from crm.requirement_source where requirement_id = :id"),
            {"id": out.requirement_id}).scalars().all()
        emb = conn.execute(sa.text(
            "select model, dims, vector_dims(vector) from crm.embedding where entity_id = :id"),
            {"id": out.requirement_id}).one()
    assert "Data Engineer" in req["title"] and req["state"] == "TX"
    assert float(req["bill_rate_max"]) == 68.0
    assert req["extraction_status"] == "extracted" and req["dedupe_key"] and req["content_hash"]
    assert skills.get("PySpark") is not None and len(skills) >= 4
    assert source == ["origin"]
    assert tuple(emb) == ("test-hashing-384", 384, 384)
    assert set(out.timings) >= {"parse", "extract", "dedupe", "write", "total"}


def test_three_vendor_copies_become_one_requirement_with_three_sources(tx, tenant, embedder):
    copies = [
        vendor_email(vendor="Apex Systems", vendor_domain="apex.example", rate=68),
        vendor_email(vendor="TekPartners", vendor_domain="tekpartners.example", rate=65,
                     when=datetime(2026, 11, 20, 17, 0, tzinfo=UTC)),
        vendor_email(vendor="Nexus IT", vendor_domain="nexusit.example", rate=70,
                     when=datetime(2026, 11, 21, 9, 0, tzinfo=UTC), extra="Please share DL and visa copy."),
    ]
    with tx() as conn:
        outcomes = [process_message(conn, tenant_id=tenant, raw=raw, source="imap", embedder=embedder)
                    for raw in copies]
    assert [o.status for o in outcomes] == ["parsed", "duplicate", "duplicate"]
    assert len({o.requirement_id for o in outcomes}) == 1
    # Only rates, contact details and signatures differ: the normalized content is the same.
    assert outcomes[1].merge_reason == "exact_hash"
    assert outcomes[2].merge_reason in {"title_client", "exact_hash"}
    with tx() as conn:
        assert conn.execute(sa.text("select count(*) from crm.requirement")).scalar_one() == 1
        sources = conn.execute(sa.text(
            "select merge_reason, rate_quoted from crm.requirement_source order by received_at")).all()
    assert sources[0][0] == "origin" and len(sources) == 3
    assert sorted(float(s[1]) for s in sources) == [65.0, 68.0, 70.0]


def test_near_duplicate_without_client_merges_by_embedding_and_records_similarity(tx, tenant, embedder):
    first = vendor_email(client="Lone Star Bank")
    # Client hidden, a sentence added: neither the title+client key nor the content hash can match.
    second = vendor_email(client=None, vendor_domain="other.example", rate=66,
                          extra="Our direct client is a Fortune 500 bank. Strong communication skills required.")
    with tx() as conn:
        a = process_message(conn, tenant_id=tenant, raw=first, source="api", embedder=embedder)
        b = process_message(conn, tenant_id=tenant, raw=second, source="api", embedder=embedder)
    assert b.status == "duplicate" and b.requirement_id == a.requirement_id
    assert b.merge_reason == "embedding" and b.similarity is not None and b.similarity >= 0.92
    with tx() as conn:
        sim = conn.execute(sa.text(
            "select similarity from crm.requirement_source where merge_reason = 'embedding'")).scalar_one()
    assert sim == b.similarity


def test_similar_role_in_another_state_is_a_separate_requirement(tx, tenant, embedder):
    with tx() as conn:
        a = process_message(conn, tenant_id=tenant, raw=vendor_email(client=None), source="api", embedder=embedder)
        b = process_message(conn, tenant_id=tenant, raw=vendor_email(client=None, city="Charlotte", state="NC"),
                            source="api", embedder=embedder)
    assert a.status == b.status == "parsed"
    assert a.requirement_id != b.requirement_id


def test_reimporting_the_same_messages_changes_nothing(tx, tenant, embedder):
    messages = [vendor_email(), vendor_email(vendor_domain="b.example", rate=60), b"", b"\x00\x01\x02garbage" * 50]
    with tx() as conn:
        first = [process_message(conn, tenant_id=tenant, raw=m, source="imap", embedder=embedder)
                 for m in messages]
        before = _counts(conn)
    calls_before = embedder.texts
    with tx() as conn:
        again = [process_message(conn, tenant_id=tenant, raw=m, source="imap", embedder=embedder)
                 for m in messages]
        after = _counts(conn)
    assert before == after
    assert all(o.already_processed for o in again)
    assert [o.status for o in again] == [o.status for o in first]
    assert embedder.texts == calls_before, "a re-import must not embed anything"


def test_garbage_empty_and_oversized_input_is_quarantined_with_reason_and_raw(tx, tenant, embedder):
    garbage = bytes(range(256)) * 20
    oversized = b"Subject: huge\r\nFrom: a@b.example\r\n\r\n" + b"x" * (21 * 1024 * 1024)
    with tx() as conn:
        outs = {name: process_message(conn, tenant_id=tenant, raw=raw, source="api", embedder=embedder)
                for name, raw in {"empty": b"", "garbage": garbage, "oversized": oversized}.items()}
    assert {k: o.status for k, o in outs.items()} == dict.fromkeys(outs, "quarantined")
    assert outs["empty"].reason.startswith("empty")
    assert outs["garbage"].reason.startswith("binary")
    assert outs["oversized"].reason.startswith("oversized")
    with tx() as conn:
        rows = conn.execute(sa.text(
            "select reason, length(raw), detail, message_id is not null from crm.quarantine order by reason")).all()
        statuses = conn.execute(sa.text("select status, count(*) from crm.inbound_message group by 1")).all()
    assert len(rows) == 3
    by_reason = {r[0].split(":")[0]: r for r in rows}
    assert by_reason["binary"][1] == len(garbage)  # the raw input is kept
    assert by_reason["oversized"][1] == 1024 * 1024 and "truncated" in by_reason["oversized"][2]
    assert all(r[3] for r in rows)
    assert statuses == [("quarantined", 3)]


def test_message_without_title_or_skills_is_quarantined_not_dropped(tx, tenant, embedder):
    raw = vendor_email(role="Operations Coordinator", skills="", nice="")
    with tx() as conn:
        out = process_message(conn, tenant_id=tenant, raw=raw, source="api", embedder=embedder)
        n_req = conn.execute(sa.text("select count(*) from crm.requirement")).scalar_one()
        q = conn.execute(sa.text("select reason from crm.quarantine")).scalars().all()
    assert out.status == "quarantined" and out.reason.startswith("no_skills")
    assert n_req == 0 and q == [out.reason]


def _seed_world_requirement(conn, tenant: uuid.UUID, raw: bytes, *, external_id: str, title: str) -> uuid.UUID:
    """What the demo world writes: the first e-mail, its requirement (pending) and an origin source."""
    when = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    mid = uuid.uuid4()
    conn.execute(sa.text(
        "insert into crm.inbound_message (id, tenant_id, source, message_id, raw, subject, received_at, "
        "content_hash, status) values (:id, :t, 'seed', :mid, :raw, 'seed', :at, 'seedhash', 'new')"),
        {"id": mid, "t": tenant, "mid": f"<{uuid.uuid4()}@seed.example>", "raw": raw, "at": when})
    rid = conn.execute(sa.text(
        "insert into crm.requirement (tenant_id, external_id, title, raw_subject, description, received_at) "
        "values (:t, :e, :title, 'seed subject', 'seeded description', :at) returning id"),
        {"t": tenant, "e": external_id, "title": title, "at": when}).scalar_one()
    conn.execute(sa.text(
        "insert into crm.requirement_source (tenant_id, requirement_id, message_id, merge_reason, received_at) "
        "values (:t, :r, :m, 'origin', :at)"), {"t": tenant, "r": rid, "m": mid, "at": when})
    return rid


def test_process_pending_extracts_seeded_requirement_and_attaches_other_vendors_copies(tx, tenant, embedder):
    origin = vendor_email(req_id="24-10332")
    copies = [vendor_email(req_id="24-10332", vendor_domain="v2.example", rate=64),
              vendor_email(req_id="24-10332", vendor_domain="v3.example", rate=71)]
    with tx() as conn:
        rid = _seed_world_requirement(conn, tenant, origin, external_id="24-10332", title="Sr. Data Engineer")
        for i, raw in enumerate(copies):
            conn.execute(sa.text(
                "insert into crm.inbound_message (tenant_id, source, message_id, raw, received_at, content_hash) "
                "values (:t, 'seed', :mid, :raw, :at, 'h')"),
                {"t": tenant, "mid": f"<copy-{i}-{uuid.uuid4()}@seed.example>", "raw": raw,
                 "at": datetime(2026, 11, 21, 9, i, tzinfo=UTC)})
    with tx() as conn:
        stats = process_pending(conn, tenant_id=tenant, limit=50, embedder=embedder)
    assert stats.processed == 3 and stats.by_status == {"parsed": 1, "duplicate": 2}
    with tx() as conn:
        req = conn.execute(sa.text(
            "select extraction_status, title, description, bill_rate_max from crm.requirement")).one()
        sources = conn.execute(sa.text(
            "select merge_reason from crm.requirement_source where requirement_id = :r order by received_at"),
            {"r": rid}).scalars().all()
        n_skills = conn.execute(sa.text("select count(*) from crm.requirement_skill")).scalar_one()
        n_emb = conn.execute(sa.text("select count(*) from crm.embedding")).scalar_one()
        again = process_pending(conn, tenant_id=tenant, limit=50, embedder=embedder)
    assert req[0] == "extracted" and req[1] == "Sr. Data Engineer" and req[2] == "seeded description"
    assert sources == ["origin", "external_id", "external_id"]
    assert n_skills >= 4 and n_emb == 1
    assert again.processed == 0


def test_embed_entities_embeds_only_new_or_changed_texts(tx, tenant, embedder):
    with tx() as conn:
        process_message(conn, tenant_id=tenant, raw=vendor_email(), source="api", embedder=None)
        process_message(conn, tenant_id=tenant, raw=vendor_email(client="Other Bank", city="Dallas"), source="api",
                        embedder=None)
        first = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=embedder)
        second = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=embedder)
        conn.execute(sa.text("update crm.requirement set title = title || ' (Lead)' where city = 'Dallas'"))
        third = embed_entities(conn, tenant_id=tenant, entity_type="requirement", embedder=embedder)
    assert (first.considered, first.embedded) == (2, 2)
    assert (second.embedded, second.unchanged) == (0, 2)
    assert third.embedded == 1
    assert first.model == "test-hashing-384" and first.dims == 384


def test_normalize_skills_resolves_consultant_spellings_to_the_taxonomy(tx, tenant):
    with tx() as conn:
        cid = conn.execute(sa.text(
            "insert into crm.consultant (tenant_id, full_name, title) values (:t, 'Ana Dev', 'Java Developer') "
            "returning id"), {"t": tenant}).scalar_one()
        for raw in ("ReactJS", "React.js", "K8s", "Java 8/11/17", "Spring Boot", "zzqx-unknown-skill"):
            conn.execute(sa.text(
                "insert into crm.consultant_skill (tenant_id, consultant_id, raw_name) values (:t, :c, :r)"),
                {"t": tenant, "c": cid, "r": raw})
        stats = normalize_skills(conn)
        resolved = dict(conn.execute(sa.text(
            "select s.raw_name, k.canonical_name from crm.consultant_skill s left join crm.skill k "
            "on k.id = s.skill_id")).all())
        again = normalize_skills(conn)
    assert resolved["ReactJS"] == resolved["React.js"] and resolved["ReactJS"] is not None
    assert resolved["K8s"] is not None and resolved["Java 8/11/17"] is not None
    assert resolved["zzqx-unknown-skill"] is None
    assert stats.newly_resolved == 5 and stats.still_unresolved_names == ["zzqx-unknown-skill"]
    assert (stats.consultant_resolved, stats.consultant_total) == (5, 6)
    assert again.newly_resolved == 0


def test_import_resume_creates_then_recognises_then_updates_a_consultant(tx, tenant, embedder):
    with tx() as conn:
        created = process_resume(conn, tenant_id=tenant, filename="priya.txt", data=resume_txt(),
                                 content_type="text/plain", embedder=embedder)
        same = process_resume(conn, tenant_id=tenant, filename="priya.txt", data=resume_txt(),
                              content_type="text/plain", embedder=embedder)
        newer = process_resume(conn, tenant_id=tenant, filename="priya-2026.txt",
                               data=resume_txt(skills="Python, Snowflake, dbt, Kafka"), content_type="text/plain",
                               embedder=embedder)
        rows = [(r["full_name"], r["email"]) for r in (  # email is stored sealed (warehouse/sealed.py)
            open_row("consultant", dict(m)) for m in conn.execute(sa.text(
                "select full_name, email from crm.consultant")).mappings())]
        skills = conn.execute(sa.text("select count(*) from crm.consultant_skill")).scalar_one()
        emb = conn.execute(sa.text("select count(*) from crm.embedding where entity_type = 'consultant'")).scalar_one()
    assert created.status == "created" and created.embedded and created.skills == 6  # AWS from the summary
    assert same.status == "unchanged" and same.consultant_id == created.consultant_id
    assert newer.status == "updated" and newer.consultant_id == created.consultant_id and newer.embedded
    assert rows == [("Priya Raman", "priya.raman@example.com")] and skills == 5 and emb == 1


def test_unreadable_resume_is_quarantined_once_with_reason(tx, tenant, embedder):
    with tx() as conn:
        first = process_resume(conn, tenant_id=tenant, filename="cv.pdf", data=b"%PDF-1.4 broken",
                               content_type="application/pdf", embedder=embedder)
        second = process_resume(conn, tenant_id=tenant, filename="cv.pdf", data=b"%PDF-1.4 broken",
                                content_type="application/pdf", embedder=embedder)
        nameless = process_resume(conn, tenant_id=tenant, filename="x.txt", data=b"Skills: Java, SQL\n",
                                  content_type="text/plain", embedder=embedder)
        rows = conn.execute(sa.text("select entity_type, reason from crm.quarantine order by created_at")).all()
    assert first.status == second.status == "quarantined" and first.reason
    assert nameless.status == "quarantined" and nameless.reason.startswith("missing_name")
    assert len(rows) == 2 and {r[0] for r in rows} == {"resume"}


def test_received_window_limits_title_client_merges(tx, tenant, embedder):
    old = vendor_email(when=datetime(2026, 1, 5, tzinfo=UTC), extra="Team: payments.")
    new = vendor_email(when=datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=90), extra="Team: lending.")
    with tx() as conn:
        a = process_message(conn, tenant_id=tenant, raw=old, source="api", embedder=embedder)
        b = process_message(conn, tenant_id=tenant, raw=new, source="api", embedder=embedder)
    assert a.requirement_id != b.requirement_id and b.status == "parsed"


def test_a_database_error_on_one_message_quarantines_it_and_the_rest_go_through(tx, tenant, embedder):
    from dataclasses import replace

    from ml.ingest.toolkit import default_toolkit

    real = default_toolkit()

    def bad_extract(text, subject):
        out = real.extract_requirement(text, subject)
        if "Charlotte" in text:  # a value the schema allows but the table does not (CHECK on work_mode)
            loc = out.location.model_construct(**{**out.location.model_dump(), "work_mode": "moon"})
            return out.model_construct(**{**dict(out), "location": loc})
        return out

    toolkit = replace(real, extract_requirement=bad_extract)
    with tx() as conn:
        for i, raw in enumerate([vendor_email(city="Charlotte", state="NC"), vendor_email()]):
            conn.execute(sa.text(
                "insert into crm.inbound_message (tenant_id, source, message_id, raw, received_at, content_hash) "
                "values (:t, 'folder', :m, :raw, now(), 'h')"), {"t": tenant, "m": f"<w{i}@x>", "raw": raw})
    with tx() as conn:
        stats = process_pending(conn, tenant_id=tenant, toolkit=toolkit, embedder=embedder)
        reason = conn.execute(sa.text("select reason from crm.quarantine")).scalar_one()
    assert stats.by_status == {"quarantined": 1, "parsed": 1}
    assert reason.startswith("write_failed: CheckViolation")


def test_a_duplicate_fills_what_the_first_copy_left_out_and_never_overwrites(tx, tenant, embedder):
    first = vendor_email(visa=None)  # the first vendor says nothing about work authorization
    second = vendor_email(vendor="TekPartners", vendor_domain="tek.example", rate=60, visa="USC, GC",
                          when=datetime(2026, 11, 20, 17, 0, tzinfo=UTC))
    third = vendor_email(vendor="Nexus IT", vendor_domain="nexusit.example", rate=70, visa="USC only",
                         when=datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    with tx() as conn:
        a, b, c = (process_message(conn, tenant_id=tenant, raw=raw, source="imap", embedder=embedder)
                   for raw in (first, second, third))
    assert a.status == "parsed" and b.status == c.status == "duplicate"
    assert b.requirement_id == c.requirement_id == a.requirement_id
    assert b.filled == ["visa_accepted"]
    assert c.filled == []  # the policy is known now: a third copy does not overwrite it
    with tx() as conn:
        req = conn.execute(sa.text("select visa_accepted, bill_rate_max from crm.requirement where id = :id"),
                           {"id": a.requirement_id}).one()
        reason = conn.execute(sa.text("select status_reason from crm.inbound_message where status = 'duplicate' "
                                      "order by received_at limit 1")).scalar_one()
    assert sorted(req[0]) == ["GC", "USC"]
    assert float(req[1]) == 68.0  # the first vendor's rate stays; every quote is in requirement_source
    assert reason.endswith("filled=visa_accepted")


def test_vendor_copies_that_a_rule_matches_are_never_embedded(tx, tenant, embedder):
    """A copy with the origin's job id is its duplicate whatever its vector: only the origin's requirement and the
    copy that needs the embedding rules are run through the encoder (ADR 0030)."""
    origin = vendor_email(req_id="24-10332")
    by_id = [vendor_email(req_id="24-10332", vendor_domain=f"v{i}.example", rate=64 + i) for i in range(3)]
    # no job id, client hidden, a sentence added: only a vector can tell it is the same opening
    by_text = vendor_email(client=None, vendor_domain="other.example", rate=66,
                           extra="Our direct client is a Fortune 500 bank. Strong communication skills required.")
    with tx() as conn:
        _seed_world_requirement(conn, tenant, origin, external_id="24-10332", title="Sr. Data Engineer")
        for i, raw in enumerate([*by_id, by_text]):
            conn.execute(sa.text(
                "insert into crm.inbound_message (tenant_id, source, message_id, raw, received_at, content_hash) "
                "values (:t, 'seed', :mid, :raw, :at, 'h')"),
                {"t": tenant, "mid": f"<copy-{i}-{uuid.uuid4()}@seed.example>", "raw": raw,
                 "at": datetime(2026, 11, 21, 9, i, tzinfo=UTC)})
    with tx() as conn:
        stats = process_pending(conn, tenant_id=tenant, limit=50, embedder=embedder)
        reasons = conn.execute(sa.text(
            "select merge_reason from crm.requirement_source order by received_at")).scalars().all()
    assert stats.processed == 5
    assert reasons[:4] == ["origin", "external_id", "external_id", "external_id"]
    assert embedder.texts == 2  # the origin's requirement and the copy without a job id


def test_a_copy_without_a_vector_is_embedded_when_no_rule_matches_it(tx, tenant, embedder):
    from ml.ingest.pipeline import _find_duplicate, _skill_ids, default_toolkit, prepare

    with tx() as conn:
        first = process_message(conn, tenant_id=tenant, raw=vendor_email(), source="api", embedder=embedder)
        raw = vendor_email(client=None, vendor_domain="other.example", rate=66,
                           extra="Our direct client is a Fortune 500 bank. Strong communication skills required.")
        candidate = prepare(raw, toolkit=default_toolkit(), skill_ids=_skill_ids(conn, {})).candidate
        assert candidate is not None and candidate.vector is None
        before = embedder.texts
        match = _find_duplicate(conn, candidate, model=embedder.model_name, embedder=embedder)
    assert embedder.texts == before + 1 and candidate.vector is not None
    assert match is not None and match.reason == "embedding" and match.requirement_id == first.requirement_id
