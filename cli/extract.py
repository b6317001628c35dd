"""`benchcrm extract --schema requirement|resume [FILE]`: offline structured extraction printed as JSON.

A FILE ending in .eml (or stdin that looks like an email) is parsed as a message first, so the subject counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cli.main import app, fail


@app.command("extract")
def extract_command(
    file: Path | None = typer.Argument(None, help="Input file (text, .eml, .pdf, .docx); stdin when omitted."),
    schema: str = typer.Option("requirement", "--schema", "-s", help="requirement | resume"),
    subject: str | None = typer.Option(None, help="Subject line, for plain-text requirement bodies."),
) -> None:
    """Extract a requirement or resume to JSON (per-field confidence and source span in `evidence`)."""
    from ml.extraction import SCHEMAS, UnknownSchema, extract
    from ml.ingest.documents import UnparseableDocument, document_text
    from ml.ingest.mime import UnparseableMessage, parse_message

    if schema not in SCHEMAS:
        raise fail(str(UnknownSchema(schema)), 2)
    if file is not None:
        if not file.is_file():
            raise fail(f"no such file: {file}", 2)
        data = file.read_bytes()
    else:
        data = sys.stdin.buffer.read()
    if not data.strip():
        raise fail("empty input: nothing to extract", 1)
    name = file.name.lower() if file else ""
    text: str
    try:
        if name.endswith(".eml") or (not name and _looks_like_email(data)):
            message = parse_message(data)
            text, subject = message.text, subject or message.subject
        elif name.endswith((".pdf", ".docx", ".html", ".htm")):
            text = document_text(name, data)
        else:
            text = document_text(name or "stdin.txt", data, "text/plain")
    except (UnparseableMessage, UnparseableDocument) as exc:
        raise fail(f"unparseable input: {exc.reason}", 1) from None
    result = extract(schema, text, subject=subject)
    typer.echo(result.model_dump_json(indent=2))


def _looks_like_email(data: bytes) -> bool:
    head = data[:2048].decode("utf-8", "replace").lower()
    return any(head.startswith(h) or f"\n{h}" in head for h in ("from:", "subject:", "message-id:", "received:"))
