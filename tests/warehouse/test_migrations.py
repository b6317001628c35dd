from __future__ import annotations

import pytest
import sqlalchemy as sa

from warehouse.migrations import SchemaTooNew, applied_versions, known_migrations, migrate


def test_migrations_apply_every_known_version(admin_engine):
    assert set(applied_versions(admin_engine)) == {m.version for m in known_migrations()}


def test_migrations_are_idempotent(admin_engine, settings):
    assert migrate(admin_engine, settings) == []
    assert migrate(admin_engine, settings) == []


def test_migrations_apply_from_empty_into_a_fresh_database(admin_engine, settings):
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("drop database if exists bcrm_fresh"))
        conn.execute(sa.text("create database bcrm_fresh"))
    fresh = sa.create_engine(admin_engine.url.set(database="bcrm_fresh"))
    try:
        assert migrate(fresh, settings) == [m.version for m in known_migrations()]
        with fresh.connect() as conn:
            tables = conn.execute(sa.text(
                "select count(*) from information_schema.tables where table_schema = 'crm'")).scalar()
        assert tables >= 30
        assert migrate(fresh, settings) == []
    finally:
        fresh.dispose()
        with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("drop database if exists bcrm_fresh"))


def test_migrate_refuses_a_database_newer_than_the_code(admin_engine, settings):
    with admin_engine.begin() as conn:
        conn.execute(sa.text(
            "insert into public.schema_migrations (version, name, checksum) values (9999, 'future', 'x')"))
    try:
        with pytest.raises(SchemaTooNew, match="newer than this code knows"):
            migrate(admin_engine, settings)
    finally:
        with admin_engine.begin() as conn:
            conn.execute(sa.text("delete from public.schema_migrations where version = 9999"))


def test_application_role_neither_owns_tables_nor_bypasses_rls(app_engine):
    with app_engine.connect() as conn:
        super_, bypass = conn.execute(sa.text(
            "select rolsuper, rolbypassrls from pg_roles where rolname = current_user")).one()
        owned = conn.execute(sa.text(
            "select count(*) from pg_tables where schemaname = 'crm' and tableowner = current_user")).scalar()
    assert (super_, bypass, owned) == (False, False, 0)


def test_production_migrations_leave_no_demo_world_schema(admin_engine, settings):
    # 0003/0005 still create it (history); 0020 drops it while empty. Only seeding a demo world brings it back.
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("drop database if exists bcrm_noworld"))
        conn.execute(sa.text("create database bcrm_noworld"))
    fresh = sa.create_engine(admin_engine.url.set(database="bcrm_noworld"))
    try:
        migrate(fresh, settings)
        with fresh.connect() as conn:
            assert conn.execute(sa.text("select to_regnamespace('world')")).scalar() is None
            assert conn.execute(sa.text("select to_regclass('public.demo_world_migrations')")).scalar() is None
    finally:
        fresh.dispose()
        with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("drop database if exists bcrm_noworld"))


def test_hnsw_and_full_text_indexes_exist(admin_engine):
    with admin_engine.connect() as conn:
        defs = [r[0] for r in conn.execute(sa.text("select indexdef from pg_indexes where schemaname = 'crm'"))]
    assert any("hnsw" in d and "vector_cosine_ops" in d for d in defs)
    assert any("gin (search_tsv)" in d for d in defs)


def test_socket_uri_names_the_port_only_when_it_is_not_the_default():
    from warehouse.embedded import socket_uri_with_port

    uri = "postgresql://postgres:@/postgres?host=/data/pgdata"
    assert socket_uri_with_port(uri, 5432) == uri
    assert socket_uri_with_port(uri, None) == uri
    assert socket_uri_with_port(uri, 5433) == uri + "&port=5433"
    assert socket_uri_with_port("postgresql://u@db:5432/x", 6000) == "postgresql://u@db:5432/x"
