"""`inbox_sensor`: polls the folder drop and (when configured) the IMAP mailbox, and launches `ingest_job` for
exactly the new items. Its cursor holds each source's own cursor, so nothing is ever re-read."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from orchestration.defs.ingest import assets as a  # a module alias: the loader must not see the job twice
from orchestration.defs.ingest.resources import InboxResource


def _load(cursor: str | None) -> dict:
    return json.loads(cursor) if cursor else {}


@dg.sensor(job=a.ingest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="New .eml/.mbox/Maildir/resume files in the inbox folder and new IMAP UIDs -> ingest_job.")
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult | dg.SkipReason:
    state = _load(context.cursor)
    folder_poll = inbox.folder_source().poll(state.get("folder"), limit=inbox.poll_limit)
    state["folder"] = folder_poll.cursor
    imap_uids: list[str] = []
    imap = inbox.imap_source()
    if imap is not None:
        try:
            imap_poll = imap.poll(state.get("imap"), limit=inbox.poll_limit)
        except Exception as exc:  # a mailbox outage must not stop the folder drop; the tick log says why
            context.log.error(f"IMAP {inbox.imap_host}:{inbox.imap_port} poll failed: {type(exc).__name__}: {exc}")
        else:
            imap_uids = imap_poll.keys
            state["imap"] = imap_poll.cursor
    new_cursor = json.dumps(state, sort_keys=True)
    if not (folder_poll.keys or folder_poll.resume_keys or imap_uids):
        return dg.SensorResult(skip_reason=dg.SkipReason("no new messages or resumes"), cursor=new_cursor)
    digest = hashlib.sha256(new_cursor.encode()).hexdigest()[:16]
    request = dg.RunRequest(
        run_key=f"inbox-{digest}",
        run_config=a.run_config_for(folder_keys=folder_poll.keys, imap_uids=imap_uids,
                                    resume_keys=folder_poll.resume_keys),
        tags={"benchcrm/new_messages": str(len(folder_poll.keys) + len(imap_uids)),
              "benchcrm/new_resumes": str(len(folder_poll.resume_keys))},
    )
    return dg.SensorResult(run_requests=[request], cursor=new_cursor)
