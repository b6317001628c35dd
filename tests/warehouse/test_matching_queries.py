"""Matching's two directions are one implementation with the roles swapped."""

from __future__ import annotations

import pytest

from warehouse.queries.matching import CONSULTANT, REQUIREMENT, Direction, Entity, candidates_sql


def test_each_direction_anchors_one_side_and_proposes_the_other():
    assert (Direction.FOR_REQUIREMENT.anchor, Direction.FOR_REQUIREMENT.candidate) == (REQUIREMENT, CONSULTANT)
    assert (Direction.FOR_CONSULTANT.anchor, Direction.FOR_CONSULTANT.candidate) == (CONSULTANT, REQUIREMENT)
    assert Direction("consultant_to_requirements") is Direction.FOR_CONSULTANT  # crm.match_run.direction's values


def test_the_candidate_query_searches_the_candidate_side_and_filters_with_its_rules():
    sql = candidates_sql(Direction.FOR_CONSULTANT)
    assert "q.entity_type = 'consultant' and q.entity_id = :anchor" in sql
    assert "join crm.requirement x" in sql and "crm.requirement_skill xs" in sql
    assert "x.status in ('open')" in sql and ":visa " in sql and ":visas" not in sql
    assert "app.fts_top_requirement(" in sql
    other = candidates_sql(Direction.FOR_REQUIREMENT)
    assert "join crm.consultant x" in other and ":visas" in other and ":start_date" in other


def test_an_entity_naming_a_column_its_table_lacks_fails_where_it_is_defined():
    with pytest.raises(ValueError, match=r"not columns of crm.consultant / crm.consultant_skill: \['rate'\]"):
        Entity("consultant", columns=("id", "rate"), skill_columns=(), statuses=(), eligible="true")
