"""The released taxonomy (ml/taxonomy/taxonomy.json.gz): size, integrity, curated layer on top, variant spellings
and context-only words. Runs without ../shared (the built file is committed)."""

from __future__ import annotations

import pytest

from ml.normalize import normalize_skill, normalize_skills
from ml.taxonomy import load_curated_taxonomy, load_taxonomy
from ml.taxonomy.catalog import TAXONOMY_PATH, alias_key
from ml.taxonomy.gazetteer import find_skills


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_built_file_is_packaged_with_its_attribution():
    assert TAXONOMY_PATH.exists()
    notice = TAXONOMY_PATH.with_name("NOTICE.md").read_text()
    assert "O*NET 29.2 Database by the U.S. Department of Labor" in notice and "CC BY 4.0" in notice
    assert "Commission Decision 2011/833/EU" in notice


def test_taxonomy_is_large_and_consistent(taxonomy):
    skills = [s for s in taxonomy.skills.values() if s.kind == "skill"]
    assert len(skills) >= 5000
    assert taxonomy.version == "2026.11.2"
    for s in taxonomy.skills.values():
        assert s.parent is None or s.parent in taxonomy.skills, s.name
        assert len(taxonomy.ancestors(s.name)) < 10  # no cycles
    owners: dict[str, str] = {}
    for s in taxonomy.skills.values():
        for alias in (s.name, *s.aliases):
            key = alias_key(alias)
            assert owners.setdefault(key, s.name) == s.name, f"{alias!r}: {owners[key]} and {s.name}"
    assert sum(s.hot for s in skills) > 100 and {"curated", "onet", "esco"} <= {p for s in skills
                                                                             for p in s.source.split("+")}


def test_curated_skills_keep_their_names_aliases_and_parents(taxonomy):
    for s in load_curated_taxonomy().skills.values():
        big = taxonomy.skills[s.name]
        assert big.parent == s.parent and big.category == s.category, s.name
        for alias in s.aliases:
            assert taxonomy.canonical(alias) == s.name, alias


@pytest.mark.parametrize(("raw", "canonical"), [
    ("J2SE", "Java"), ("J2EE", "Java"), ("JDK 17", "Java"), ("OpenJDK", "Java"), ("Node JS", "Node.js"),
    ("NodeJS", "Node.js"), ("ReactJS", "React"), ("React.js", "React"), ("php5", "PHP"), ("css2", "HTML/CSS"),
    ("css3", "HTML/CSS"), ("cxx", "C++"), ("html5", "HTML/CSS"), ("MS Excel", "Microsoft Excel"),
    ("Microsoft Excel", "Microsoft Excel"), ("Excel 2016", "Microsoft Excel"), ("python2.7", "Python"),
    ("vue3", "Vue.js"), ("Windows 10", "Microsoft Windows"), ("c#.net", "C#"), ("MS SQL", "SQL Server"),
])
def test_spelling_variants_resolve_to_the_canonical_skill(raw, canonical):
    assert normalize_skill(raw) == canonical


def test_a_compound_mention_names_both_skills():
    assert normalize_skills("c#.net") == ["C#", ".NET"]
    assert [h.canonical for h in find_skills("Sr. C#.NET developer")] == ["C#", ".NET"]


def test_skills_the_old_taxonomy_missed_are_found_in_a_list():
    text = "Skills: jQuery, XML, Excel, PowerPoint, VMware, WebSphere, PowerShell, SOAP, Perl, Solaris, NoSQL, AJAX, TCP/IP, DNS"
    found = [h.raw for h in find_skills(text)]
    assert found == ["jQuery", "XML", "Excel", "PowerPoint", "VMware", "WebSphere", "PowerShell", "SOAP", "Perl",
                     "Solaris", "NoSQL", "AJAX", "TCP/IP", "DNS"]


@pytest.mark.parametrize(("positive", "negative", "canonical"), [
    ("Need experience with Go and Kubernetes.", "We go to market next quarter; Go ahead and apply.", "Go"),
    ("Strong R and Python for statistics.", "Our R&D team is growing.", "R"),
    ("Skills: C, C++, embedded Linux", "Candidates must have a grade C or better.", "C"),
    ("Swift and SwiftUI for iOS apps", "Swift delivery is expected.", "iOS"),
    ("Experience with Rust and WebAssembly", "Remove rust from the pipes.", "Rust"),
    ("Spring Boot, Spring and Hibernate", "Spring break starts in March.", "Spring"),
    ("Advanced Excel and SQL reporting", "You will excel at customer service.", "Microsoft Excel"),
    ("MS Access, VBA, SQL", "You will need access to a car.", "Microsoft Access"),
    ("Oracle DBA with PL/SQL", "Oracle Corporation is our client.", "Oracle"),
    ("Windows, Linux and VMware administration", "Clean the windows daily.", "Microsoft Windows"),
    ("Shell and Python scripting on Linux", "It was a shell company.", "Shell Scripting"),
])
def test_context_only_words_count_in_context_only(positive, negative, canonical):
    assert canonical in {h.canonical for h in find_skills(positive)}
    assert canonical not in {h.canonical for h in find_skills(negative)}


def test_category_nodes_are_parents_not_mentions(taxonomy):
    groups = [s for s in taxonomy.skills.values() if s.kind == "group"]
    windows = taxonomy.skills["Microsoft Windows"]
    assert groups and taxonomy.skills[windows.parent].kind == "group" and windows.category == "Operating system software"
    assert [h.canonical for h in find_skills("Desktop support: Operating system software (category)")] == [
        "Operating system software"]  # the O*NET product of that name, not the category node


def test_every_alias_of_the_big_taxonomy_is_found_as_a_list_item(taxonomy):
    missed = []
    for skill in taxonomy.skills.values():
        if skill.kind == "group" or skill.name in taxonomy.not_in_text:
            continue
        for alias in (skill.name, *skill.aliases):
            if skill.name not in {h.canonical for h in find_skills(f"Must have: Java, {alias}, Kafka")}:
                missed.append(alias)
    assert len(missed) <= 20, missed[:50]
