"""warehouse.schema (the metadata the code derives from) states exactly what the SQL migrations build."""

from __future__ import annotations

import pgvector.sqlalchemy  # noqa: F401  (registers `vector` for reflection)
import sqlalchemy as sa

from warehouse import schema


def _reflect(engine: sa.Engine) -> sa.MetaData:
    reflected = sa.MetaData()
    reflected.reflect(engine, schema="crm")
    return reflected


def test_the_migrated_database_has_exactly_the_tables_and_columns_of_the_schema_module(admin_engine):
    assert schema.differences(_reflect(admin_engine), admin_engine.dialect) == []


def test_a_column_the_migrations_add_but_the_schema_module_lacks_is_named(admin_engine):
    reflected = _reflect(admin_engine)
    reflected.tables["crm.requirement"].append_column(sa.Column("budget_note", sa.Text))
    assert schema.differences(reflected, admin_engine.dialect) == [
        "crm.requirement.budget_note: in the database, not in warehouse.schema"]


def test_a_type_or_nullability_that_drifted_is_named(admin_engine):
    expected = sa.MetaData(schema="crm")
    for t in schema.metadata.tables.values():
        t.to_metadata(expected)
    lat = expected.tables["crm.consultant"].c.lat
    lat.type, lat.nullable = sa.Integer(), False
    assert schema.differences(_reflect(admin_engine), admin_engine.dialect, expected) == [
        "crm.consultant.lat: type is 'DOUBLE PRECISION' in the database, 'INTEGER' in warehouse.schema",
        "crm.consultant.lat: nullable is True in the database, False in warehouse.schema",
    ]
