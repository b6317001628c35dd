"""Resources of the ingestion lineage: where mail comes from (`inbox`) and the embedding model
(`ingest_embedder`). Built from environment variables; swap by configuration, not by code."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import dagster as dg

from ml.ingest.sources import FolderSource, ImapSettings, ImapSource
from ml.ingest.toolkit import Embedder


class InboxResource(dg.ConfigurableResource):
    """The folder drop (`BENCHCRM_DATA_DIR/inbox` unless `folder` is set), one sub-folder per tenant slug
    (`inbox/acme/…`), and, when `imap_host` is set, a mailbox that delivers to the tenant `imap_tenant`."""

    folder: str = ""
    imap_host: str = ""
    imap_port: int = 993
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_security: str = "ssl"  # ssl | starttls | none
    imap_tenant: str = "acme"
    imap_rate_per_second: float = 20.0
    poll_limit: int = 500

    def folder_path(self) -> Path:
        if self.folder:
            return Path(self.folder)
        from warehouse.settings import get_settings

        return get_settings().data_dir / "inbox"

    def folder_source(self, tenant: str) -> FolderSource:
        """The tenant's sub-folder of the drop (a slug never contains '/' or starts with '.', crm.tenant's check)."""
        return FolderSource(self.folder_path() / tenant)

    def unclaimed(self, tenants: list[str]) -> list[str]:
        """Names in the drop that no tenant reads: files at its root, and folders named for no tenant (a typo, or
        a tenant not created yet). The sensor names them on every tick rather than leaving them silently unread."""
        root = self.folder_path()
        if not root.is_dir():
            return []
        known = set(tenants)
        return sorted(p.name for p in root.iterdir()
                      if not p.name.startswith(".") and (p.is_file() or p.name not in known))

    def imap_source(self, tenant: str) -> ImapSource | None:
        """The mailbox, for the tenant it delivers to; None for every other tenant or when none is configured."""
        if not self.imap_host or tenant != self.imap_tenant:
            return None
        if self.imap_security not in ("ssl", "starttls", "none"):
            raise dg.Failure(f"imap_security must be ssl, starttls or none, not {self.imap_security!r}")
        return ImapSource(
            ImapSettings(host=self.imap_host, port=self.imap_port, username=self.imap_username,
                         password=self.imap_password, folder=self.imap_folder,
                         security=self.imap_security),  # type: ignore[arg-type]
            rate_per_second=self.imap_rate_per_second or None)


class EmbedderResource(dg.ConfigurableResource):
    """The sentence embedding model (ml.ai.embeddings.get_embedder: all-MiniLM-L6-v2, 384 dims, offline), in this
    process; or, when a Dask scheduler is configured (`dask_scheduler`, else the settings' BENCHCRM_DASK_SCHEDULER),
    the same model on the cluster's workers, a run's texts split into chunks (ml.ai.fanout.ClusterEmbedder)."""

    dask_scheduler: str = ""

    def encoder(self) -> Embedder:
        from ml.ingest.toolkit import default_toolkit
        from warehouse.settings import get_settings

        local = default_toolkit().embedder
        address = self.dask_scheduler or get_settings().dask_scheduler
        if not address:
            return local
        from ml.ai.fanout import ClusterEmbedder

        return ClusterEmbedder(_dask_client(address), local)


@cache
def _dask_client(address: str):
    """One client per process and scheduler (a client holds a connection and threads)."""
    from distributed import Client

    from ml.ai.fanout import ClusterUnavailable

    try:
        return Client(address, timeout="10s")
    except OSError as exc:
        raise dg.Failure(str(ClusterUnavailable(f"Dask scheduler {address} did not answer within 10s: {exc}")),
                         allow_retries=True) from exc


def _env(name: str, default: str = "") -> str:
    return dg.EnvVar(name).get_value(default) or default


@dg.definitions
def ingest_resources() -> dg.Definitions:
    return dg.Definitions(resources={
        "inbox": InboxResource(
            folder=_env("BENCHCRM_INBOX_DIR"),
            imap_host=_env("BENCHCRM_IMAP_HOST"),
            imap_port=int(_env("BENCHCRM_IMAP_PORT", "993")),
            imap_username=_env("BENCHCRM_IMAP_USERNAME"),
            imap_password=_env("BENCHCRM_IMAP_PASSWORD"),
            imap_folder=_env("BENCHCRM_IMAP_FOLDER", "INBOX"),
            imap_tenant=_env("BENCHCRM_IMAP_TENANT", "acme"),
            imap_security=_env("BENCHCRM_IMAP_SECURITY", "ssl"),
        ),
        "ingest_embedder": EmbedderResource(),
    })
