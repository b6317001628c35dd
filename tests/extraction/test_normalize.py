import pytest

from ml.normalize import geocode, normalize_skill, to_hourly_usd


@pytest.mark.parametrize(("raw", "canonical"), [
    ("Java 8/11/17", "Java"), ("Angular 14+", "Angular"), ("ReactJS", "React"), ("React.js", "React"),
    ("K8s", "Kubernetes"), ("Micro services", "Microservices"), ("SFDC", "Salesforce"), ("MS SQL", "SQL Server"),
    (".Net Core", ".NET Core"), ("Python 3.x", "Python"), ("Sprng Boot", "Spring Boot"), ("Oracle 12c", "Oracle"),
    ("Kubernetes (EKS)", "Kubernetes"), ("Postgres 14", "PostgreSQL"), ("C#", "C#"),
])
def test_normalize_skill_maps_aliases_versions_and_typos(raw, canonical):
    assert normalize_skill(raw) == canonical


@pytest.mark.parametrize("raw", ["", "Reac", "banana bread", "xyz"])
def test_normalize_skill_returns_none_when_nothing_is_close(raw):
    assert normalize_skill(raw) is None


def test_geocode_finds_city_with_state_and_timezone():
    point = geocode("Austin", "TX")
    assert point is not None and point.timezone == "America/Chicago"
    assert abs(point.lat - 30.27) < 0.1 and abs(point.lon + 97.74) < 0.1


def test_geocode_accepts_state_names_and_saint_abbreviations():
    assert geocode("Jersey City", "New Jersey").state == "NJ"
    assert geocode("St. Louis", "MO").timezone == "America/Chicago"


def test_geocode_without_state_picks_the_largest_city_and_rejects_wrong_state():
    assert geocode("Austin", None).state == "TX"
    assert geocode("Dallas", "CA") is None
    assert geocode(None, "TX") is None


@pytest.mark.parametrize(("amount", "unit", "hourly"), [
    (68, "hour", 68.0), (140_000, "year", 67.31), (560, "day", 70.0), (12_000, "month", 69.23),
])
def test_to_hourly_usd_uses_2080_hours_a_year(amount, unit, hourly):
    assert to_hourly_usd(amount, unit) == hourly


def test_to_hourly_usd_rejects_unknown_units_and_non_positive_amounts():
    with pytest.raises(ValueError, match="unit"):
        to_hourly_usd(10, "fortnight")
    with pytest.raises(ValueError, match="positive"):
        to_hourly_usd(0, "hour")
