"""`inbox_sensor`: polls each tenant's folder drop (`inbox/<tenant>/`) and (when configured) the IMAP mailbox of its
tenant, and launches `ingest_job` for exactly the new items, one run per tenant with that tenant's partition key,
so new mail for tenant X materializes only X's partitions. Its cursor holds each source's own cursor per tenant, so
nothing is ever re-read."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from orchestration.defs.ingest import assets as a  # a module alias: the loader must not see the job twice
from orchestration.defs.ingest.resources import InboxResource
from orchestration.lib.partitions import TENANTS_PARTITION, tenant_tags


def _load(cursor: str | None) -> dict:
    return json.loads(cursor) if cursor else {}


@dg.sensor(job=a.ingest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="New .eml/.mbox/Maildir/resume files in each tenant's inbox folder and new IMAP UIDs -> "
                       "ingest_job for that tenant's partition.")
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult | dg.SkipReason:
    state = _load(context.cursor)
    state.pop("folder", None)  # the single-tenant cursor of before tenant partitions
    folders: dict[str, object] = state.setdefault("folders", {})
    tenants = context.instance.get_dynamic_partitions(TENANTS_PARTITION)
    unclaimed = inbox.unclaimed(tenants)
    if unclaimed:
        context.log.warning(
            f"{len(unclaimed)} item(s) in {inbox.folder_path()} belong to no tenant and are not read: "
            f"{', '.join(unclaimed[:10])}{' …' if len(unclaimed) > 10 else ''}. Mail goes into "
            f"{inbox.folder_path()}/<tenant slug>/ of an existing tenant.")
    requests: list[dg.RunRequest] = []
    for slug in tenants:
        folder_poll = inbox.folder_source(slug).poll(folders.get(slug), limit=inbox.poll_limit)
        folders[slug] = folder_poll.cursor
        imap_uids: list[str] = []
        imap = inbox.imap_source(slug)
        if imap is not None:
            try:
                imap_poll = imap.poll(state.get("imap"), limit=inbox.poll_limit)
            except Exception as exc:  # a mailbox outage must not stop the folder drop; the tick log says why
                context.log.error(f"IMAP {inbox.imap_host}:{inbox.imap_port} poll failed: {type(exc).__name__}: {exc}")
            else:
                imap_uids = imap_poll.keys
                state["imap"] = imap_poll.cursor
        if not (folder_poll.keys or folder_poll.resume_keys or imap_uids):
            continue
        digest = hashlib.sha256(json.dumps([folders[slug], imap_uids], sort_keys=True).encode()).hexdigest()[:16]
        requests.append(dg.RunRequest(
            run_key=f"inbox-{slug}-{digest}", partition_key=slug,
            run_config=a.run_config_for(folder_keys=folder_poll.keys, imap_uids=imap_uids,
                                        resume_keys=folder_poll.resume_keys),
            tags={**tenant_tags(slug), "benchcrm/new_messages": str(len(folder_poll.keys) + len(imap_uids)),
                  "benchcrm/new_resumes": str(len(folder_poll.resume_keys))},
        ))
    folders_gone = set(folders) - set(tenants)
    for slug in folders_gone:  # a deleted tenant's cursor would otherwise live forever
        del folders[slug]
    new_cursor = json.dumps(state, sort_keys=True)
    if not requests:
        note = f"; {len(unclaimed)} item(s) at the drop belong to no tenant (see the log)" if unclaimed else ""
        return dg.SensorResult(skip_reason=dg.SkipReason(f"no new messages or resumes for {len(tenants)} tenants"
                                                         f"{note}"), cursor=new_cursor)
    return dg.SensorResult(run_requests=requests, cursor=new_cursor)
