"""dbt's connection variables come from the same owner URL the application uses."""

from __future__ import annotations

import pytest

from warehouse.dbt_env import dbt_env_from_url


def test_dbt_env_uses_the_socket_folder_of_an_embedded_url_as_host():
    env = dbt_env_from_url("postgresql://postgres:@/postgres?host=/tmp/bcrm-x/pgdata", app_role="benchcrm_app")
    assert env == {
        "BENCHCRM_DBT_HOST": "/tmp/bcrm-x/pgdata", "BENCHCRM_DBT_PORT": "5432", "BENCHCRM_DBT_USER": "postgres",
        "BENCHCRM_DBT_PASSWORD": "", "BENCHCRM_DBT_DBNAME": "postgres", "BENCHCRM_DBT_APP_ROLE": "benchcrm_app",
    }


def test_dbt_env_reads_host_port_user_password_and_database_of_a_tcp_url():
    env = dbt_env_from_url("postgresql+psycopg://owner:s3cret@db.internal:6543/benchcrm", app_role="app_ro")
    assert (env["BENCHCRM_DBT_HOST"], env["BENCHCRM_DBT_PORT"], env["BENCHCRM_DBT_USER"],
            env["BENCHCRM_DBT_PASSWORD"], env["BENCHCRM_DBT_DBNAME"], env["BENCHCRM_DBT_APP_ROLE"]) == (
        "db.internal", "6543", "owner", "s3cret", "benchcrm", "app_ro")


@pytest.mark.parametrize("url", ["not a url", ""])
def test_dbt_env_rejects_a_malformed_url(url):
    with pytest.raises(ValueError, match="is not a database URL"):
        dbt_env_from_url(url, app_role="benchcrm_app")
