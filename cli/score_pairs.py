"""`benchcrm score-pairs --in pairs.csv --out scored.csv`: offline scoring of (requirement text, resume text) pairs."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.main import app, fail


@app.command("score-pairs")
def score_pairs(
    in_path: Path = typer.Option(..., "--in", help="CSV with requirement_text and resume_text (other columns kept)."),
    out_path: Path = typer.Option(..., "--out", help="Where to write the input rows plus scores and factors."),
    seed_formula: bool = typer.Option(False, "--seed-formula", help="Ignore the models; use the seed formula."),
    tenant: str | None = typer.Option(None, "--tenant", help="Score with this tenant's champion (slug or id); "
                                      "without it, or when the tenant has none, the prior model."),
) -> None:
    """Score arbitrary pairs with the same extraction, normalization, embedding and features as live data."""
    import csv

    from rich.progress import Progress

    from ml.features.entities import SkillGraph
    from ml.matching.champion import load_serving_model
    from ml.matching.offline import OUTPUT_COLUMNS, score_text_pairs
    from ml.scoring.formula import SEED_MODEL_VERSION
    from warehouse.settings import get_settings

    if not in_path.exists():
        raise fail(f"{in_path}: no such file")
    with in_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        missing = {"requirement_text", "resume_text"} - set(columns)
        if missing:
            raise fail(f"{in_path}: missing column(s) {', '.join(sorted(missing))}")
        rows = list(reader)
    from ml.ai.embeddings import get_embedder
    from ml.extraction import extract_requirement, extract_resume

    settings = get_settings()
    tenant_id = _tenant_id(settings, tenant) if tenant and not seed_formula else None
    model = None if seed_formula else load_serving_model(settings, tenant_id)
    embedder = get_embedder()
    with Progress(transient=True) as progress:
        task = progress.add_task("extracting", total=len(rows))
        scored = score_text_pairs(
            rows, graph=SkillGraph.from_taxonomy(), model=model, extract_requirement=extract_requirement,
            extract_resume=extract_resume, encode=embedder.encode,
            progress=lambda n: progress.advance(task, n),
        )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns + [c for c in OUTPUT_COLUMNS if c not in columns])
        writer.writeheader()
        writer.writerows(scored)
    failed = sum(1 for r in scored if r["error"])
    typer.echo(f"scored {len(scored) - failed} of {len(scored)} pairs with "
               f"{model.version if model else SEED_MODEL_VERSION} -> {out_path}"
               + (f" ({failed} with an error column)" if failed else ""))


def _tenant_id(settings, tenant: str):
    """A tenant's id from its slug or id (the owner connection; a wrong name is a one-line error)."""
    import uuid

    try:
        return uuid.UUID(tenant)
    except ValueError:
        pass
    from warehouse.db import admin_engine
    from warehouse.repositories.tenants import tenant_id_for

    with admin_engine(settings).connect() as conn:
        found = tenant_id_for(conn, tenant)
    if found is None:
        raise fail(f"tenant {tenant!r} does not exist")
    return found
