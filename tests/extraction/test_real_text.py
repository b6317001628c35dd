"""The extractors on text shaped like real postings and resumes (written for these tests): unlabelled first-line
titles, header lines of segments, lost line breaks, real required / nice-to-have phrasing, contract-type wording,
resumes without sections, and bad input that must never raise."""

from __future__ import annotations

from datetime import date

import pytest

from ml.extraction import classify_message, extract_requirement, extract_resume
from ml.extraction.repair import restore_line_breaks
from ml.extraction.titles import first_line_title

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(("text", "title"), [
    ("Senior Java Developer\nW2 contract, 12 months, remote. Spring Boot, AWS and Kafka on a payments platform.",
     "Senior Java Developer"),
    ("Registered Nurse - ICU\nNight shift, 13-week travel contract in Houston, TX. Two years of ICU experience.",
     "Registered Nurse"),
    ("Staff Accountant\nFull-time, onsite in Columbus, OH. Month-end close, reconciliations, QuickBooks.",
     "Staff Accountant"),
    ("Hi team,\n\nHope you are doing well.\n\nData Analyst\nLocation: Tampa, FL\nSQL, Tableau, Python",
     "Data Analyst"),
    ("Northwind | Sr. Platform Engineer | Remote (US) | Full-time | $160k-$190k\n\nWe run the logistics backbone...",
     "Sr. Platform Engineer"),
    ("Bluebird Labs | REMOTE | Full-time | Backend Engineers, Designers\n\nWe build tools for clinics.",
     "Backend Engineer"),
])
def test_unlabelled_titles_from_the_first_line(text, title):
    x = extract_requirement(text)
    assert x.title == title
    assert x.is_requirement


@pytest.mark.parametrize("first", [
    "Hello all,", "Acme Staffing Solutions", "Dallas, TX", "$70/hr on C2C", "We are hiring a Java Developer today.",
    "Lead Generation Inc",
])
def test_first_lines_that_are_not_titles(first):
    assert first_line_title(first + "\n") is None


def test_run_together_posting_title_and_labels():
    text = ("Job Title  Software DeveloperLocation  Dallas, TXDuration  6 months contract. We need a developer with "
            "8  years of experience building services. Experience with Java, AWS, SQL. Benefits Competitive salary")
    x = extract_requirement(text)
    assert x.title == "Software Developer"
    assert (x.location.city, x.location.state) == ("Dallas", "TX")
    assert x.duration_months == 6
    assert x.contract_type == "contract"
    assert {"Java", "AWS", "SQL"} <= {s.canonical for s in x.skills}
    # Evidence spans point into the caller's text, not the repaired one.
    span = x.evidence["location"].span
    assert span is not None and text[span.start:span.end] == "Dallas, TX"


def test_run_together_role_dash_label_and_title_head():
    x = extract_requirement("Role - Business Analyst - Mobile Location - Louisville, KY Duration - 12 months. "
                            "The analyst gathers requirements from business owners and writes user stories.")
    assert x.title is not None and x.title.startswith("Business Analyst")
    assert x.location.city == "Louisville"
    y = extract_requirement("Lead Software Developer New York City - Hybrid  150,000 -  190,000 One of our key "
                            "clients is building a payments platform for small businesses and needs a strong lead.")
    assert y.title == "Lead Software Developer"


def test_restore_line_breaks_keeps_normal_text_and_maps_offsets():
    normal = "Role: Java Developer\nLocation: Austin, TX\n" * 5
    assert restore_line_breaks(normal).text == normal
    glued = ("SummaryHighly motivated engineer with a long career in payments and billing systems. "
             "HighlightsJava, Python, SQL and more")
    r = restore_line_breaks(glued)
    assert "Summary\nHighly" in r.text and "Highlights\nJava" in r.text
    for i, ch in enumerate(r.text):
        if i not in r.inserted:
            assert glued[r.to_original(i)] == ch or ch in ":\n"


def test_contract_postings_are_requirements_and_non_postings_are_not():
    assert classify_message("", "Senior Java Developer\nW2 contract, 12 months, remote. Spring Boot, AWS.")[0]
    assert classify_message("", "Licensed Practical Nurse\nTemp, 8 weeks, day shift, Reno, NV.")[0]
    assert classify_message("", "Thanks, received. Will get back to you.")[0] is False
    assert classify_message("Automatic reply: out of office", "I am out of the office until Monday.")[1] == \
        "out_of_office"
    hotlist = ("Hi partners, please find our hot list of available consultants:\n"
               "Java Developer - 10 yrs - H1B - Dallas, TX\nData Engineer - 8 yrs - GC - Remote")
    assert classify_message("Hotlist: bench consultants", hotlist)[1] == "hotlist"


@pytest.mark.parametrize(("text", "kind"), [
    ("Java Developer\nC2C, 6 months, Plano, TX", "contract"),
    ("Java Developer\nCorp-to-corp or 1099 contractors welcome. Plano, TX", "contract"),
    ("Java Developer\n6-month contract with possibility of conversion. Plano, TX", "contract_to_hire"),
    ("Java Developer\nCTH, Plano, TX", "contract_to_hire"),
    ("Java Developer\nPermanent, full-time employee role with benefits. Plano, TX", "full_time"),
    ("Solidity Developer\nFull-time. You will write smart contracts for our exchange.", "full_time"),
])
def test_contract_type_from_real_phrasing(text, kind):
    assert extract_requirement(text).contract_type == kind


def test_required_and_nice_to_have_from_real_phrasing():
    text = ("Backend Engineer\nFull-time, remote.\n\nWhat we're looking for\n- Python and PostgreSQL\n- Docker\n\n"
            "Nice to haves\n- Kubernetes\n- Terraform\n\nExperience with Kafka is a plus. Redis is not required.")
    x = extract_requirement(text)
    req = {s.canonical: s.required for s in x.skills}
    assert req["Python"] and req["PostgreSQL"] and req["Docker"]
    assert req["Kubernetes"] is False and req["Terraform"] is False and req["Kafka"] is False
    assert req["Redis"] is False


def test_skills_found_anywhere_in_an_unsectioned_posting():
    x = extract_requirement("Data Engineer\nContract, 12 months. You will build pipelines with Spark and Airflow "
                            "on AWS and model data in Snowflake.")
    assert {"Spark", "Airflow", "AWS", "Snowflake"} <= {s.canonical for s in x.skills}


def test_resume_without_line_breaks_titles_years_skills():
    text = ("SummaryHighly motivated Software Engineer with a background in payments. Professional Experience"
            "05 2016toCurrentSenior Software EngineerGlobex Corp Austin,TX,Built services in Java and Kafka on AWS."
            "01 2012to04 2016Software DeveloperInitech Dallas,TX,Maintained Python tooling. "
            "EducationState University 2008 to 2012 Bachelor of Science")
    y = extract_resume(text, today=TODAY)
    assert y.titles[:2] == ["Senior Software Engineer", "Software Developer"]
    assert y.total_years == pytest.approx(12.4, abs=0.2)  # 01/2012 .. 06/2024, study years excluded
    assert {"Java", "Kafka", "AWS", "Python"} <= {s.canonical for s in y.skills}


def test_resume_prose_years_phrase_beats_date_ranges_and_headline_title():
    y = extract_resume("Seasoned Data Entry Operator with 5 years of experience maintaining databases. "
                       "Skilled in Excel and SQL.", today=TODAY)
    assert y.total_years == 5
    assert y.titles == ["Data Entry Operator"]


BAD_INPUTS = [
    "", " ", "Hi", "développeur", "Nous recherchons un développeur Java à Paris, CDI, télétravail partiel.",
    "需要Java开发人员，北京，全职", ("Senior Java Developer\nW2 contract, Dallas, TX. Spring Boot, AWS.\n" * 2),
    "x" * 200_000, ("Role: Java Developer " * 10_000), "\x00\x01\x02\xff\ufffd" * 5000,
    "".join(chr(i % 0x2FFF + 1) for i in range(50_000)), "1234567890 " * 3000, "$$$ /hr 9999999999 k",
]


@pytest.mark.parametrize("text", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_never_raises(text):
    x = extract_requirement(text, subject=text[:50])
    y = extract_resume(text)
    assert isinstance(x.is_requirement, bool)
    assert y.total_years is None or 0 <= y.total_years <= 60
    if not text.strip() or len(text) < 12:
        assert x.title is None and not x.skills and y.titles == []


def test_text_pasted_twice_extracts_once():
    once = "Senior Java Developer\nW2 contract, 12 months, Dallas, TX. Spring Boot, AWS."
    x1, x2 = extract_requirement(once), extract_requirement(once + "\n\n" + once)
    assert x1.title == x2.title
    assert {s.canonical for s in x1.skills} == {s.canonical for s in x2.skills}
    assert x1.location.city == x2.location.city
