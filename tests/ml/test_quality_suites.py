"""The expectation suites decide their checks the way the SQL counts they replaced did: pending requirements are
not held to completeness, missing rates are not implausible, only open requirements with a key count as
duplicates, and each check sees only its own expectations."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.quality.runner import validate_frame


def _requirements(**overrides) -> pd.DataFrame:
    rows = [{"requirement_id": f"r{i}", "title": f"Role {i}", "extraction_status": "extracted", "skill_count": 2,
             "bill_rate_max": 90.0, "open_dedupe_key": f"k{i}"} for i in range(40)]
    for column, values in overrides.items():
        for row, value in zip(rows, values, strict=False):
            row[column] = value
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def validate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gx")
    return lambda dataset, frame: validate_frame(dataset, frame, folder)


def test_clean_requirements_pass_every_check_and_build_data_docs(validate):
    result = validate("parsed_requirements", _requirements())
    assert result.success and result.success_percent == 100.0 and result.rows == 40
    assert result.checks() == ("requirements_have_title_and_skills", "rates_in_plausible_range",
                               "duplicate_rate_below_5pct")
    assert result.data_docs_index.exists() and result.validation_page.startswith("file://")


def test_pending_requirements_are_not_held_to_title_and_skills(validate):
    pending = _requirements(title=[None] * 5, skill_count=[0] * 5, extraction_status=["pending"] * 5)
    assert validate("parsed_requirements", pending).verdict("requirements_have_title_and_skills").passed
    extracted = _requirements(title=[None] * 5)
    verdict = validate("parsed_requirements", extracted).verdict("requirements_have_title_and_skills")
    assert not verdict.passed and verdict.unexpected_counts()["expect_column_values_to_not_be_null(title)"] == 5


def test_one_implausible_rate_fails_only_the_rate_check_and_missing_rates_are_fine(validate):
    result = validate("parsed_requirements", _requirements(bill_rate_max=[6800.0, None, None]))
    assert not result.verdict("rates_in_plausible_range").passed
    assert result.verdict("rates_in_plausible_range").failed[0].sample == ("6800.0",)
    assert result.verdict("requirements_have_title_and_skills").passed
    assert result.verdict("duplicate_rate_below_5pct").passed


def test_duplicates_count_among_open_requirements_with_a_key(validate):
    # 2 of 40 share a key: 5 % is allowed; 3 of 40 is not. Requirements without a key (not open) do not count.
    assert validate("parsed_requirements", _requirements(open_dedupe_key=["same", "same"])).verdict(
        "duplicate_rate_below_5pct").passed
    assert not validate("parsed_requirements", _requirements(open_dedupe_key=["same"] * 3)).verdict(
        "duplicate_rate_below_5pct").passed
    assert validate("parsed_requirements", _requirements(open_dedupe_key=[None] * 30)).verdict(
        "duplicate_rate_below_5pct").passed
