"""Data quality as Great Expectations suites (suites.py), validated by the Dagster asset checks (runner.py).

Only orchestration imports this package, and only inside check bodies: Great Expectations is heavy and the API
must never load it."""
