"""Side databases on the BenchCRM Postgres server: Dagster's run storage and MLflow's tracking store each get their
own database next to BenchCRM's, so one server (the embedded one by default) holds everything and nothing mixes."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from warehouse.embedded import admin_url
from warehouse.settings import Settings

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def database_url(settings: Settings, database: str, driver: str = "postgresql+psycopg2") -> str:
    """Owner URL of `database` on the configured server. psycopg2 by default: dagster-postgres relies on its
    client-side parameter interpolation and it is SQLAlchemy's (hence MLflow's) default Postgres driver."""
    url = make_url(admin_url(settings)).set(drivername=driver, database=database)
    return url.render_as_string(hide_password=False)


def ensure_database(settings: Settings, database: str) -> str:
    """Create `database` on the configured server if missing; return its URL."""
    if not _NAME.match(database):
        raise ValueError(f"not a plain lower-case database name: {database!r}")
    owner = make_url(admin_url(settings)).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(owner, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("select 1 from pg_database where datname = :d"), {"d": database}).scalar()
            if not exists:
                conn.exec_driver_sql(f'create database "{database}"')
    finally:
        engine.dispose()
    return database_url(settings, database)
