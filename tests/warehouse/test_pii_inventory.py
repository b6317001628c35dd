"""The personal-data inventory is true to the database and docs/security.md shows exactly it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from warehouse.pii import BLIND_INDEX_SUFFIX, DOC_BEGIN, DOC_END, INVENTORY, LOOKS_PERSONAL, render_markdown

SECURITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
NOT_PERSONAL = {("crm.requirement", "visa_accepted")}  # what a job accepts, not about a person


def _columns(admin_engine) -> set[tuple[str, str]]:
    with admin_engine.connect() as conn:
        return {(f"{s}.{t}", c) for s, t, c in conn.execute(sa.text(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = 'crm'"))}


def test_every_inventoried_column_exists(admin_engine):
    missing = {(c.table, c.column) for c in INVENTORY} - _columns(admin_engine)
    assert not missing


def test_no_column_that_looks_personal_is_missing_from_the_inventory(admin_engine):
    declared = {(c.table, c.column) for c in INVENTORY}
    columns = _columns(admin_engine)
    looks = {tc for tc in columns if LOOKS_PERSONAL.search(tc[1])} - NOT_PERSONAL
    # a blind index is a keyed hash beside a sealed column, not personal data itself
    indexes = {(c.table, c.column + BLIND_INDEX_SUFFIX) for c in INVENTORY if c.sealed}
    assert indexes <= columns
    assert looks - declared - indexes == set()


def test_security_doc_shows_the_inventory():
    text = SECURITY_DOC.read_text()
    assert DOC_BEGIN in text and DOC_END in text
    block = text[text.index(DOC_BEGIN):text.index(DOC_END) + len(DOC_END)]
    assert block == render_markdown(), "run: python -m warehouse.pii (refreshes docs/security.md)"
