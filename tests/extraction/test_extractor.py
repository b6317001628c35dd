"""Unit behaviour of the offline extractor: evidence spans point at the text, edge phrasing, resumes, schemas."""

from __future__ import annotations

import pytest

from ml.extraction import UnknownSchema, classify_message, extract, extract_requirement, extract_resume

BODY = """Role: Sr. Data Engineer
Location: Austin, TX (Hybrid - 3 days onsite)
Duration: 12+ Months
Rate: $68/hr on C2C
Visa: USC, GC, H1B (no OPT)
Must have: Python, PySpark, AWS Glue (5+ years)
Nice to have: Kafka, dbt
"""
SUBJECT = "Sr. Data Engineer || Austin, TX (Hybrid) || 12+ Months || C2C"


def test_every_evidence_span_points_at_the_text_it_came_from():
    result = extract_requirement(BODY, subject=SUBJECT)
    for field, ev in result.evidence.items():
        if ev.span is None:
            continue
        source = SUBJECT if ev.source == "subject" else BODY
        assert 0 <= ev.span.start < ev.span.end <= len(source), field
    assert BODY[result.evidence["rate"].span.start:result.evidence["rate"].span.end] == "$68/hr"
    for skill in result.skills:
        text = SUBJECT if skill.evidence.source == "subject" else BODY
        assert text[skill.evidence.span.start:skill.evidence.span.end] == skill.raw


def test_required_and_nice_to_have_skills_and_skill_years():
    skills = {s.canonical: s for s in extract_requirement(BODY, subject=SUBJECT).skills}
    assert skills["Python"].required and not skills["Kafka"].required and not skills["dbt"].required
    assert skills["AWS Glue"].years == 5


def test_visa_exclusions_and_location_mode():
    result = extract_requirement(BODY, subject=SUBJECT)
    assert result.visa_accepted == ["USC", "GC", "H1B"]
    assert (result.location.city, result.location.state, result.location.work_mode) == ("Austin", "TX", "hybrid")
    assert result.location.timezone == "America/Chicago" and result.location.lat == pytest.approx(30.27, abs=0.01)


@pytest.mark.parametrize(("text", "hourly", "unit", "terms"), [
    ("Rate: $140K-$160K + benefits", 76.92, "year", ["FTE"]),
    ("Max 70/hr all inclusive on C2C", 70.0, "hour", ["C2C"]),
    ("Pay rate: 65/hr on W2, no C2C", 65.0, "hour", ["W2"]),
    ("Rate: $550/day 1099", 68.75, "day", ["1099"]),
])
def test_rates_are_normalized_to_hourly_usd(text, hourly, unit, terms):
    rate = extract_requirement("Role: Java Developer\n" + text).rate
    assert rate is not None and (rate.hourly_usd, rate.unit, rate.terms) == (hourly, unit, terms)


def test_doe_leaves_rate_empty_and_says_why():
    result = extract_requirement("Role: Java Developer\nRate: DOE\nLocation: Dallas, TX")
    assert result.rate is None and result.notes and "DOE" in result.notes


def test_phone_numbers_and_req_ids_are_not_rates():
    result = extract_requirement("Role: Java Developer\nReq# 24-10332\nCall me at 214-555-0101")
    assert result.rate is None and result.external_id == "24-10332"


@pytest.mark.parametrize(("text", "visas"), [
    ("Visa: USC/GC only", ["USC", "GC"]),
    ("Visa: GC-EAD, H4-EAD", ["GC-EAD", "H4-EAD"]),
    ("Location: Nashville, TN\nVisa: H1B", ["H1B"]),  # TN the state is not TN the visa
])
def test_visa_phrasing(text, visas):
    assert extract_requirement("Role: Java Developer\n" + text).visa_accepted == visas


def test_not_remote_means_onsite_and_remote_keeps_the_time_zone():
    assert extract_requirement("Role: QA Analyst\nLocation: Boston, MA (No remote)").location.work_mode == "onsite"
    remote = extract_requirement("Role: QA Analyst\nLocation: Remote (PST hours)").location
    assert (remote.work_mode, remote.timezone) == ("remote", "America/Los_Angeles")


def test_ambiguous_words_are_not_skills_outside_lists():
    result = extract_requirement("Role: Java Developer\nPlease share resume with DL, visa copy and LinkedIn. "
                                 "We will go over the rest of the details on a call.")
    assert {s.canonical for s in result.skills} == {"Java"}


@pytest.mark.parametrize(("subject", "text", "reason"), [
    ("Automatic reply: Java Developer", "I am out of the office until Monday.", "out_of_office"),
    ("", "", "empty"),
    ("Lunch on Friday?", "Are you free for lunch on Friday?", "no_role_signal"),
    ("Hotlist - available consultants", "1. Ravi - Java - H1B\n2. Priya - .NET - GC", "hotlist"),
])
def test_classify_message_names_the_reason(subject, text, reason):
    assert classify_message(subject, text) == (False, reason)


def test_classify_message_accepts_a_requirement():
    assert classify_message(SUBJECT, BODY) == (True, None)


def test_resume_extraction():
    resume = extract_resume(
        "Jane Doe\nSenior Java Developer\njane.doe@example.com | (469) 555-0199\nDallas, TX\n"
        "Visa: H1B\nRate: $70/hr\nAvailable from 12/01/2026\n"
        "Summary: 11+ years of IT experience.\nSkills: Java (10 years), Spring Boot, AWS, Kafka")
    assert (resume.full_name, resume.email, resume.phone) == ("Jane Doe", "jane.doe@example.com", "(469) 555-0199")
    assert resume.titles == ["Senior Java Developer"] and resume.total_years == 11
    assert {s.canonical for s in resume.skills} >= {"Java", "Spring Boot", "AWS", "Kafka"}
    assert next(s for s in resume.skills if s.canonical == "Java").years == 10
    assert (resume.location.city, resume.visa_status) == ("Dallas", "H1B")
    assert resume.rate_expectation is not None and resume.rate_expectation.hourly_usd == 70
    assert str(resume.available_from) == "2026-12-01"


def test_extract_dispatches_by_schema_and_rejects_unknown_ones():
    assert extract("requirement", BODY).schema_name == "requirement"
    assert extract("resume", "Jane Doe").schema_name == "resume"
    with pytest.raises(UnknownSchema):
        extract("invoice", BODY)


def test_garbage_text_yields_an_empty_extraction_not_an_error():
    result = extract_requirement("\x00\x01 ####### 12345 $$$ ::::", subject="???")
    assert result.is_requirement is False and result.rate is None


def test_every_taxonomy_alias_is_found_in_a_skills_list_and_unambiguous_ones_in_prose():
    """The curated layer, every alias in every template (the big taxonomy's list check is in test_taxonomy.py)."""
    from ml.taxonomy import load_curated_taxonomy, load_taxonomy
    from ml.taxonomy.gazetteer import ambiguous_aliases, find_skills

    missed = []
    big = load_taxonomy()
    for curated in load_curated_taxonomy().skills.values():
        skill = big.skills[curated.name]
        for alias in (skill.name, *skill.aliases):
            templates = ["Must have: Java, {a}, Kafka", "Nice to have: {a} (3+ years)", "- {a}\n"]
            if alias.lower() not in ambiguous_aliases():
                templates.append("Looking for strong {a} experience")
            for template in templates:
                if skill.name not in {h.canonical for h in find_skills(template.format(a=alias))}:
                    missed.append((alias, template))
    assert missed == []


def test_pathological_long_inputs_finish_quickly():
    """Regexes are bounded (no quadratic backtracking) and the text is capped, so garbage cannot stall a worker."""
    import time

    for text in ("x" * 2_000_000, "Java, " * 100_000, "Aaaa " * 200_000):
        started = time.perf_counter()
        extract_requirement(text, subject=text[:5000])
        extract_resume(text)
        assert time.perf_counter() - started < 10  # quadratic versions took minutes
