"""Recommendations on the request path: candidate generation + champion model + calibration (ml.matching.service),
every response stored (match run, one crm.recommendation row per item, feature snapshots) and audited; human
decisions on single items, approval creating a draft submission. Decisions are the training labels."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from serving.context import Principal, request_id
from serving.errors import ProblemError, not_found
from serving.schemas.pipeline import SubmissionPublic
from serving.services import idempotency
from serving.services.records import change_rows, record_change
from warehouse.ids import time_ordered_uuid
from warehouse.queries.matching import Direction
from warehouse.repositories import recommendations as stored
from warehouse.repositories import records as repo
from warehouse.repositories import submissions
from warehouse.repositories.crm_tables import CONSULTANTS, REQUIREMENTS, SUBMISSIONS


def _matching():
    from ml.matching import service  # imported on first use: keeps API start-up light

    return service


_SPECS = {spec.entity: spec for spec in (REQUIREMENTS, CONSULTANTS)}


def recommend(conn: Connection, principal: Principal, request: Request, *, direction: Direction,
              anchor_id: uuid.UUID, top_k: int, explain: bool, idempotency_key: str | None) -> Response:
    anchor_spec = _SPECS[direction.anchor.name]
    # Without a key the ranking's own read of the anchor answers 404 (no extra round trip); with one, a missing
    # anchor must answer 404 before a stored response could be replayed.
    if idempotency_key is not None and repo.get_row(conn, anchor_spec, anchor_id) is None:
        raise not_found(anchor_spec.entity, anchor_id)
    payload = {"topK": top_k, "explain": explain}

    def produce() -> idempotency.Outcome:
        matching = _matching()
        models = getattr(request.app.state, "models", None)
        model = models.or_seed_formula(principal.tenant_id) if models is not None else None
        try:
            result = matching.recommend(conn, direction, tenant_id=principal.tenant_id, anchor_id=anchor_id,
                                        top_k=top_k, explain=explain, model=model,
                                        cache=getattr(request.app.state, "ranking_cache", None),
                                        text_index=getattr(request.app.state, "text_index", None))
        except matching.NotFound:
            raise not_found(anchor_spec.entity, anchor_id) from None
        run_id, item_ids = time_ordered_uuid(), [time_ordered_uuid() for _ in result.items]
        items = []
        for rank, (item_id, item) in enumerate(zip(item_ids, result.items, strict=True), start=1):
            items.append({
                "id": str(item_id),
                "consultantId": str(item.consultant_id), "requirementId": str(item.requirement_id), "rank": rank,
                "matchScore": float(item.match_score),
                "successProbability": None if item.success_probability is None else float(item.success_probability),
                "reasons": list(item.reasons) if explain else [],
                "factors": dict(item.factors) if explain else {},
            })
        body = {"recommendationId": str(run_id), "modelVersion": str(result.model_version),
                "direction": direction, "anchorId": str(anchor_id),
                "createdAt": datetime.now(UTC).isoformat(), "items": items}
        # One statement writes the match run, the recommendation rows (a decision may follow at once), their
        # feature snapshots queued as one row for the background writer (serving/snapshot_writer.py, docs/adr/0020),
        # the audit row and the outbox event (docs/adr/0026).
        matching.store_recommendations(
            conn, tenant_id=principal.tenant_id, result=result, kind="api", created_by=principal.actor_id,
            run_id=run_id, item_ids=item_ids, defer_snapshots=True, along=change_rows(
                principal, action="recommend", entity="match_run", entity_id=run_id, before=payload, after=body,
                request_id=request_id(request), model_version=str(result.model_version),
                audit_payload={"direction": direction, "anchorId": str(anchor_id), "topK": top_k,
                               "explain": explain, "count": len(items)},
                event_type="recommendations.generated",
                event={"recommendationId": str(run_id), "direction": direction, "anchorId": str(anchor_id),
                       "modelVersion": str(result.model_version), "count": len(items)}))
        return 200, body, {}

    return idempotency.run_once(conn, principal, request, idempotency_key, payload, produce)


def get_run(conn: Connection, run_id: uuid.UUID) -> dict[str, Any]:
    run = stored.get_run(conn, run_id)
    if run is None:
        raise not_found("recommendation", run_id)
    items = stored.run_items(conn, run_id)
    return {"recommendationId": run["id"], "modelVersion": run["model_version"], "direction": run["direction"],
            "anchorId": run["anchor_id"], "createdAt": run["started_at"],
            "items": [{"id": i["id"], "consultantId": i["consultant_id"], "requirementId": i["requirement_id"],
                       "rank": i["rank"], "matchScore": i["match_score"],
                       "successProbability": i["success_probability"],
                       "reasons": i["reasons"] or [], "factors": i["factors"] or {}} for i in items]}


def decide(conn: Connection, principal: Principal, request: Request, *, item_id: uuid.UUID, decision: str,
           reason: str | None) -> tuple[int, dict[str, Any]]:
    rec = stored.lock_item(conn, item_id)
    if rec is None:
        raise not_found("recommendation", item_id)
    if rec["decision"] is not None:
        raise ProblemError(409, "already-decided", "Conflict", f"recommendation {item_id} was already {rec['decision']}",
                           decision=rec["decision"])
    outcome = "approved" if decision == "approve" else "rejected"
    decided_at = stored.record_decision(conn, item_id, decision=outcome, reason=reason, decided_by=principal.actor_id)
    rid = request_id(request)
    record_change(conn, principal, action="decide", entity="recommendation", entity_id=item_id,
                  before={"decision": None}, after={"decision": outcome, "reason": reason},
                  model_version=rec["model_version"], request_id=rid,
                  audit_payload={"decision": outcome, "reason": reason},
                  event_type="recommendation.decided",
                  event={"id": str(item_id), "decision": outcome, "reason": reason,
                         "consultantId": str(rec["consultant_id"]), "requirementId": str(rec["requirement_id"])})
    submission, created = None, False
    if outcome == "approved":
        submission, created = _draft_submission(conn, principal, rec, rid)
    body = {"recommendationId": str(item_id), "decision": outcome, "reason": reason,
            "decidedAt": decided_at.isoformat(), "submissionCreated": created, "submission": submission}
    return (201 if created else 200), body


def _draft_submission(conn: Connection, principal: Principal, rec: Any, rid: str | None
                      ) -> tuple[dict[str, Any], bool]:
    """Approving creates the draft submission for the pair, unless one exists already (then it is returned)."""
    def public(row: dict[str, Any]) -> dict[str, Any]:
        return SubmissionPublic.model_validate(row).model_dump(mode="json", by_alias=True)

    existing = submissions.for_pair(conn, consultant_id=rec["consultant_id"],
                                    requirement_id=rec["requirement_id"])
    if existing is not None:
        if existing["deleted_at"] is not None:
            raise ProblemError(409, "conflict", "Conflict",
                               "a deleted submission exists for this consultant and requirement")
        return public(dict(existing)), False
    row = repo.insert_row(conn, SUBMISSIONS, tenant_id=principal.tenant_id, values={
        "consultant_id": rec["consultant_id"], "requirement_id": rec["requirement_id"],
        "recommendation_id": rec["id"], "match_score": rec["match_score"],
        "success_probability": rec["success_probability"], "recruiter_id": principal.actor_id})
    body = public(row)
    record_change(conn, principal, action="create", entity="submission", entity_id=row["id"], before=None,
                  after=body, request_id=rid, audit_payload={"source": "recommendation", "recommendationId":
                                                             str(rec["id"])},
                  event={"id": str(row["id"]), "data": body})
    return body, True
