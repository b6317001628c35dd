"""Surface variety (demo_world.surface): real shapes of emails and resumes, gold that matches the text, and a hidden
world that does not move when only the text does."""

from __future__ import annotations

import json
import re
from collections import Counter
from email import message_from_bytes, policy

import pytest

from demo_world import World, WorldParams, generate_world, surface
from demo_world.spelling import variants
from ml.ingest.corpus import process_raw
from ml.taxonomy import load_taxonomy
from tests.world.params import SMALL

# the columns that carry text (or what is read off it); everything else must not depend on the variety
TEXT_COLUMNS = {"crm.inbound_message": {"raw", "subject", "content_hash"},
                "crm.requirement": {"external_id", "description", "raw_subject"},  # as the origin email states
                "crm.requirement_source": {"rate_quoted"},      # the rate the origin email states
                "crm.consultant": {"resume_text"},
                "world.message_truth": {"gold"}}
VISA_WORDS = re.compile(r"\b(USC|GC|H1B|H4|OPT|CPT|EAD|TN|E3|Green Card|Citizen)\b")


@pytest.fixture(scope="module")
def template_world() -> World:
    return generate_world(SMALL.model_copy(update={"variety": 0.0}))


def _emails(world: World) -> list[tuple[tuple, dict, str]]:
    gold = {m[1]: json.loads(m[5]) for m in world.tables["world.message_truth"].rows}
    out = []
    for row in world.tables["crm.inbound_message"].rows:
        msg = message_from_bytes(row[4], policy=policy.default)
        body = "\n".join(p.get_content() for p in msg.walk() if p.get_content_maintype() == "text")
        out.append((row, gold[row[0]], body))
    return out


def _varied(world: World) -> list[tuple[tuple, dict, str]]:
    return [e for e in _emails(world) if e[1]["is_requirement"] and e[1]["format"] in surface.EMAIL_SHAPE_WEIGHTS]


def test_the_hidden_world_does_not_depend_on_the_variety(small_world: World, template_world: World) -> None:
    assert small_world.stats == template_world.stats  # oracle AUC, submissions, placements, ...
    for name, table in small_world.tables.items():
        other = template_world.tables[name]
        assert len(table.rows) == len(other.rows), name
        for i, column in enumerate(table.columns):
            if column in TEXT_COLUMNS.get(name, ()):
                continue
            assert [r[i] for r in table.rows] == [r[i] for r in other.rows], (name, column)


def test_variety_changes_the_text(small_world: World, template_world: World) -> None:
    resumes = [r[8] for r in small_world.tables["crm.consultant"].rows]
    template = [r[8] for r in template_world.tables["crm.consultant"].rows]
    changed = sum(a != b for a, b in zip(resumes, template, strict=True)) / len(resumes)
    assert 0.55 < changed < 0.75
    formats = Counter(g["format"] for _, g, _ in _emails(template_world))
    assert not set(formats) & set(surface.EMAIL_SHAPE_WEIGHTS)


def test_every_email_shape_and_noise_appears_in_the_proportions_set(small_world: World) -> None:
    emails = [e for e in _emails(small_world) if e[1]["is_requirement"]]
    shapes = Counter(g["format"] if g["format"] in surface.EMAIL_SHAPE_WEIGHTS else "labelled" for _, g, _ in emails)
    labelled = shapes["labelled"] / len(emails)
    assert abs(labelled - surface.LABELLED_SHARE) < 0.07, shapes
    for shape in surface.EMAIL_SHAPE_WEIGHTS:
        assert shapes[shape] >= 8, shapes
    noise = Counter(n for _, g, _ in emails for n in g.get("noise", ()))
    for kind in surface.EMAIL_NOISE_P:
        assert noise[kind] >= 3, noise


def test_shapes_look_like_what_they_claim(small_world: World) -> None:
    for row, gold, body in _varied(small_world):
        lines = [x for x in body.splitlines() if x.strip()]
        if "one_line" in gold["noise"]:
            assert len(lines) == 1 and "  " in body
            continue
        if gold["format"] == "headline" and "forwarded" not in gold["noise"]:
            assert lines[0].lower() == gold["title"].lower()
        if gold["format"] == "subject_only":
            assert gold["title"] in row[5]
            if "forwarded" not in gold["noise"]:  # the forwarded header repeats the subject
                assert gold["title"].lower() not in body.lower()
        if gold["format"] == "table":
            assert re.search(r"^Skill( \| |\t)", body, re.M)
        if gold["format"] == "long":
            assert "Equal Opportunity" in body or "equal opportunity" in body
        if "forwarded" in gold["noise"]:
            assert "-----Original Message-----" in body and row[5].split(":")[0] in ("FW", "Fwd", "FWD")
        if gold["format"] != "short" or "forwarded" in gold["noise"]:
            continue
        assert len(lines[:lines.index(next(x for x in lines if x.startswith(("Thanks", "Regards", "Best"))))]) == 3


def test_gold_of_varied_emails_matches_the_text(small_world: World) -> None:
    checked = 0
    for row, gold, body in _varied(small_world):
        text = f"{row[5]}\n{body}"
        signature_free = body.split("\n\n" + "Thanks")[0] if "one_line" not in gold["noise"] else body
        assert gold["title"].lower() in text.lower()
        for skill in gold["skills"]:
            assert skill["raw"] in text, skill
        loc = gold["location"]
        if loc["city"]:
            assert f"{loc['city']}, {loc['state']}" in text
        else:
            assert "remote" in text.lower()
        if gold["rate"]:
            amount = gold["rate"]["amount"]
            assert (f"{amount:,.0f}" in text) if gold["rate"]["unit"] == "hour" else (f"{amount / 1000:.0f}K" in text)
        else:
            assert "/hr" not in text and "/hour" not in text and "an hour" not in text and "per hour" not in text
        for key, words in (("min_years", r"\d+\+? ?(years|yrs)"), ("start_date", r"\bStart"),
                           ("client", r"\b[Cc]lient (is|-|:)|End client"), ("domain", r"domain experience")):
            if gold[key] is None and (key != "start_date" or not re.search(r"ASAP|Immediate", text)):
                assert not re.search(words, text), (key, gold["format"], text)
        if gold["start_date"]:
            y, m, d = gold["start_date"].split("-")
            assert f"{m}/{d}/{y}" in text
        if gold["external_id"]:
            assert gold["external_id"] in text
        if not gold["visa_accepted"]:
            free = signature_free.replace("visa copy", "").replace(gold["external_id"] or "\0", "")
            assert not VISA_WORDS.search(free), signature_free
        if gold["client"]:
            assert gold["client"] in text
        if gold["duration_months"] and gold["contract_type"] == "contract":
            assert f"{gold['duration_months']:.0f}" in text
        if gold["contract_type"] == "full_time":
            assert "full time" in text.lower()
        if gold["contract_type"] == "contract_to_hire":
            assert re.search(r"contract to hire|CTH", text, re.I)
        for term in gold["employment_terms"]:
            assert term in text or term == "FTE"
        checked += 1
    assert checked > 150


def test_boilerplate_names_no_skill() -> None:
    """Boilerplate must not plant skills the gold does not list: the extractor (with the big taxonomy's context-only
    words, "project", "access", "excel" at...) finds none in it."""
    from ml.taxonomy.gazetteer import find_skills

    texts = [*surface._BLURBS, *surface._BENEFITS, *surface._EEO, surface._LEGAL, *surface._DUTIES,
             *surface._REQ_SENTENCES, *surface._NICE_SENTENCES, *surface._SKILL_SENTENCES]
    for text in texts:
        filled = re.sub(r"\{(x|a|b|d|vendor)\}", "Acme", text)
        assert find_skills(filled) == [], (text, find_skills(filled))


def test_every_varied_email_is_routed_with_a_reason_never_dropped(small_world: World) -> None:
    kinds = Counter()
    for row, gold, _ in _varied(small_world)[:150]:
        kind, reason, _labels = process_raw(bytes(row[4]))
        assert kind in ("requirement", "not_requirement", "quarantine"), kind
        if kind != "requirement":
            assert reason, (gold["format"], kind)
        kinds[kind] += 1
    assert kinds["requirement"] > 0


def test_resumes_state_what_the_consultant_rows_say(small_world: World) -> None:
    skills: dict = {}
    for r in small_world.tables["crm.consultant_skill"].rows:
        skills.setdefault(r[2], []).append(r[4])
    for row in small_world.tables["crm.consultant"].rows:
        text = row[8]
        assert row[3].lower() in text.lower()           # name
        assert row[6] in text                           # title
        assert f"{row[10]}, {row[11]}" in text          # city, state
        assert row[19] in text                          # visa
        assert re.search(rf"\b{int(row[9])}\+? years", text)
        for raw in skills.get(row[0], []):
            assert raw in text, raw


def test_resume_shapes_appear() -> None:
    import random

    rng = random.Random(3)
    shapes = Counter()
    raws = [("Java", "Core Java", 8.0, True), ("Spring Boot", "SpringBoot", 6.0, True), ("AWS", "AWS", 4.0, True),
            ("Kafka", "Apache Kafka", 3.0, False), ("SQL", "PL/SQL", 5.0, False)]
    for _ in range(300):
        text, shape = surface.render_resume(
            rng, name="Asha Rao", title="Sr. Java Developer", city="Dallas", state="TX", visa="H1B", years=9.0,
            raws=raws, domains=("banking", "retail"), clients=["Acme Bank"] * 6, metros=[("Plano", "TX")] * 6,
            degree="BS", as_of_year=2026, as_of_month=11)
        for _, raw, _, _ in raws:
            assert raw in text
        if shape["sectionless"]:
            lines = {line.strip().rstrip(":").upper() for line in text.splitlines()}
            assert not lines & {"TECHNICAL SKILLS", "PROFESSIONAL SUMMARY", "EDUCATION", "EXPERIENCE", "WORK HISTORY",
                                "PROFESSIONAL EXPERIENCE"}, text
        shapes.update([f"skills={shape['skills']}", f"title={shape['title']}", f"dates={shape['dates']}",
                       f"length={shape['length']}", f"sectionless={shape['sectionless']}",
                       f"one_line={shape['one_line']}"])
    for key in [*(f"skills={k}" for k in surface.RESUME_SKILLS_WEIGHTS),
                *(f"title={k}" for k in surface.RESUME_TITLE_WEIGHTS), *(f"dates={k}" for k in surface.DATE_STYLES),
                "sectionless=True", "sectionless=False", "one_line=True"]:
        assert shapes[key] >= 5, (key, shapes)


def test_resume_dates_cover_the_stated_years_in_order() -> None:
    import random

    rng = random.Random(1)
    for years in (1.0, 3.0, 9.5, 24.0):
        for n in (1, 2, 5):
            spans = surface._career(rng, 2026, 11, years, n)
            assert spans[0][1] is None and len(spans) == n
            months = [(s[0] * 12 + s[1], (e[0] * 12 + e[1]) if e else 2026 * 12 + 11) for s, e in spans]
            assert all(a <= b for a, b in months)
            assert all(months[k + 1][1] < months[k][0] for k in range(n - 1))
            assert abs((2026 * 12 + 11 - months[-1][0]) - max(round(years * 12), n * 6)) <= 1


def test_variety_is_deterministic_per_seed_and_changes_with_it() -> None:
    params = WorldParams(consultants=60, requirements=30, seed=4)
    a, b = generate_world(params), generate_world(params)
    c = generate_world(params.model_copy(update={"seed": 5}))
    raw = lambda w: [r[4] for r in w.tables["crm.inbound_message"].rows]  # noqa: E731
    assert raw(a) == raw(b) and raw(a) != raw(c)
    assert [r[8] for r in a.tables["crm.consultant"].rows] == [r[8] for r in b.tables["crm.consultant"].rows]


def test_spelling_variants_used_in_text_are_real_aliases() -> None:
    aliases = load_taxonomy().alias_map
    for canonical in ("Java", "Kafka", "AWS"):
        for v in variants(canonical):
            assert aliases.get(v.lower().strip()) == canonical
