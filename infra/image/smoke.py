"""Smoke check of an installed BenchCRM environment (infra/image/install.sh runs it at the end of every build).

Prints one JSON line; exits non-zero if the CLI's package, the Dagster code location or the embedding model is not
usable. Run from outside the source tree so the installed copy is what gets imported."""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version


def main() -> int:
    started = time.perf_counter()
    import cli.main  # noqa: F401  (the `benchcrm` entry point's module)
    from ml.ai.embeddings import Embedder
    from orchestration.definitions import defs
    from warehouse.dbt_env import DBT_PROJECT_DIR

    definitions = defs()
    job = definitions.resolve_job_def("full_pipeline_job")
    assets = len(list(definitions.resolve_all_asset_specs()))
    if not (DBT_PROJECT_DIR / "dbt_project.yml").is_file():
        print(f"smoke: dbt project missing at {DBT_PROJECT_DIR}", file=sys.stderr)
        return 1
    vector = Embedder().encode(["Senior Python developer with Kafka and Postgres"])
    if vector.shape != (1, 384):
        print(f"smoke: embedding shape {vector.shape}", file=sys.stderr)
        return 1
    print(json.dumps({"benchcrm": version("benchcrm"), "dagster": version("dagster"), "job": job.name,
                      "assets": assets, "embedding_dims": int(vector.shape[1]), "python": sys.executable,
                      "seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
