"""`benchcrm score-pairs --in pairs.csv --out scored.csv`: offline scoring of (requirement text, resume text) pairs."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.main import app, fail


@app.command("score-pairs")
def score_pairs(
    in_path: Path = typer.Option(..., "--in", help="CSV with requirement_text and resume_text (other columns kept)."),
    out_path: Path = typer.Option(..., "--out", help="Where to write the input rows plus scores and factors."),
    seed_formula: bool = typer.Option(False, "--seed-formula", help="Ignore the champion; use the seed formula."),
) -> None:
    """Score arbitrary pairs with the same extraction, normalization, embedding and features as live data."""
    import csv

    from rich.progress import Progress

    from ml.features.entities import SkillGraph
    from ml.matching.champion import load_champion
    from ml.matching.offline import OUTPUT_COLUMNS, score_text_pairs
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

    model = None if seed_formula else load_champion(get_settings())
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
               f"{model.version if model else 'seed-formula-v2'} -> {out_path}"
               + (f" ({failed} with an error column)" if failed else ""))
