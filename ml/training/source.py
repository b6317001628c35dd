"""Read everything training needs from the warehouse (tenant-scoped connection)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from ml.features.entities import (
    Consultants,
    Requirements,
    SkillGraph,
    consultants_from_records,
    requirements_from_records,
    to_day,
)
from ml.matching.loaders import (
    load_consultant_records,
    load_requirement_records,
    load_skill_graph,
    outcome_day,
    reported_day,
)
from ml.training.dataset import LabelledSubmissions, build_training_frame, check_enough
from warehouse.queries.matching import sent_submissions


@dataclass(frozen=True)
class TrainingSource:
    graph: SkillGraph
    requirements: Requirements
    consultants: Consultants
    submissions: LabelledSubmissions

    def frame(self) -> pl.DataFrame:
        return build_training_frame(self.requirements, self.consultants, self.submissions, self.graph)


def load_labelled_submissions(conn, *, as_of: date | None = None) -> LabelledSubmissions:
    """Every sent submission whose outcome is known by `as_of` (default today): advanced = has an interview (or a
    status at/after interviewing); not advanced = closed, or silent for SILENT_DEATH_DAYS."""
    as_of_day = to_day(as_of or date.today())
    known = [r for r in sent_submissions(conn) if reported_day(r) <= as_of_day]  # the rest are still pending
    return LabelledSubmissions(
        [r.id for r in known], [r.requirement_id for r in known], [r.consultant_id for r in known],
        np.array([to_day(r.submitted_at) for r in known]), np.array([to_day(r.received_at) for r in known]),
        np.array([outcome_day(r) for r in known]), np.array([1.0 if r.advanced else 0.0 for r in known]))


def load_training_source(conn, *, as_of: date | None = None, model: str | None = None) -> TrainingSource:
    """Labelled submissions plus only the requirements and consultants they involve (their vectors of space `model`,
    default the active one). Refuses early (TooFewOutcomes) before loading entities when history is too thin."""
    subs = load_labelled_submissions(conn, as_of=as_of)
    check_enough(subs)
    graph = load_skill_graph(conn)
    req_ids = sorted({str(r) for r in subs.requirement_id})
    con_ids = sorted({str(c) for c in subs.consultant_id})
    req_records = load_requirement_records(conn, req_ids, model=model)
    con_records = load_consultant_records(conn, con_ids, model=model)
    graph = graph.for_records(req_records, con_records)
    reqs = requirements_from_records(req_records, graph)
    cons = consultants_from_records(con_records, graph)
    return TrainingSource(graph, reqs, cons, subs)


def load_tenant_source(tenant_slug: str, settings=None) -> tuple[uuid.UUID, TrainingSource]:
    """(tenant id, training source) of a tenant by slug, read through the application role (benchmarks, notebooks).
    Raises LookupError when the tenant does not exist."""
    from warehouse.db import admin_engine, app_engine, tenant_tx
    from warehouse.repositories.tenants import tenant_id_for
    from warehouse.settings import get_settings

    settings = settings or get_settings()
    with admin_engine(settings).connect() as conn:
        tenant_id = tenant_id_for(conn, tenant_slug)
    if tenant_id is None:
        raise LookupError(f"tenant {tenant_slug!r} not found: run `benchcrm demo` (or seed the demo world) first")
    with tenant_tx(tenant_id, app_engine(settings)) as conn:
        return tenant_id, load_training_source(conn)
