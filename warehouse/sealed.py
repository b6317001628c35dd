"""The encrypted columns (those marked `sealed` in warehouse/pii.py): seal on write, open on read, re-seal all.

Writers call `seal(table, values)` (ciphertext plus the `<column>_bidx` blind index), readers `open_row(table,
row)`. Rows written before encryption, or by bulk loaders that write plaintext, stay readable (a value without
the `bc1:` prefix opens as itself) until `reseal` — run after every migration and by `benchcrm keys rotate` —
brings every row under the current key.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from warehouse.crypto import (
    PREFIX,
    Keyring,
    KeyringError,
    add_key_to_file,
    drop_old_keys_from_file,
    forget_keyrings,
    get_keyring,
)
from warehouse.pii import BLIND_INDEX_SUFFIX, INVENTORY, PiiKind
from warehouse.settings import Settings, get_settings

_INDEX_KIND = {PiiKind.CONTACT_EMAIL: "email", PiiKind.CONTACT_PHONE: "phone"}


@cache
def sealed_columns(table: str) -> tuple[tuple[str, str], ...]:
    """(column, blind-index kind) of the sealed columns of crm.<table>."""
    return tuple((c.column, _INDEX_KIND[c.kind]) for c in INVENTORY if c.sealed and c.table == f"crm.{table}")


def sealed_tables() -> tuple[str, ...]:
    return tuple(sorted({c.table.removeprefix("crm.") for c in INVENTORY if c.sealed}))


def keyring() -> Keyring:
    return get_keyring(get_settings())


def _context(table: str, column: str) -> str:
    return f"crm.{table}.{column}"


def seal(table: str, values: dict[str, Any], ring: Keyring | None = None) -> dict[str, Any]:
    columns = [(c, kind) for c, kind in sealed_columns(table) if c in values]
    if not columns:
        return values
    ring = ring or keyring()
    out = dict(values)
    for column, kind in columns:
        plain = values[column]
        out[column] = ring.encrypt(plain, _context(table, column))
        out[column + BLIND_INDEX_SUFFIX] = ring.blind_index(plain, kind)
    return out


def open_row(table: str, row: dict[str, Any] | None, ring: Keyring | None = None) -> dict[str, Any] | None:
    if row is None:
        return None
    columns = [c for c, _ in sealed_columns(table) if isinstance(row.get(c), str)]
    if not columns:
        return row
    for column in columns:
        try:
            row[column] = (ring or keyring()).decrypt(row[column], _context(table, column))
        except KeyringError:
            if ring is not None:
                raise
            forget_keyrings()  # another process rotated to a key this one has not loaded yet: reload once
            row[column] = keyring().decrypt(row[column], _context(table, column))
    return row


def blind_index(table: str, column: str, value: str | None, ring: Keyring | None = None) -> str | None:
    kind = dict(sealed_columns(table))[column]
    return (ring or keyring()).blind_index(value, kind)


def reseal(conn: sa.Connection, ring: Keyring | None = None, *, batch: int = 2000) -> dict[str, int]:
    """Bring every sealed value under the current key (plaintext rows included) and fill their blind indexes.
    Runs on an owner connection (all tenants). Returns rows rewritten per table."""
    ring = ring or keyring()
    current = f"{PREFIX}:{ring.current_id}:"
    done: dict[str, int] = {}
    for table in sealed_tables():
        columns = sealed_columns(table)
        stale = " or ".join(f"({c} is not null and left({c}, {len(current)}) <> :cur) or "
                            f"({c} is not null and {c}{BLIND_INDEX_SUFFIX} is null)" for c, _ in columns)
        names = ", ".join(c for c, _ in columns)
        while True:
            rows = conn.execute(sa.text(
                f"select id, {names} from crm.{table} where {stale} limit :n"), {"cur": current, "n": batch}
            ).mappings().all()
            if not rows:
                break
            updates = []
            for row in rows:
                plain = {c: ring.decrypt(row[c], _context(table, c)) for c, _ in columns}
                updates.append({"id": row["id"], **seal(table, plain, ring)})
            sets = ", ".join(f"{c} = :{c}, {c}{BLIND_INDEX_SUFFIX} = :{c}{BLIND_INDEX_SUFFIX}" for c, _ in columns)
            conn.execute(sa.text(f"update crm.{table} set {sets} where id = :id"), updates)
            done[table] = done.get(table, 0) + len(rows)
    return done


def rotate(conn: sa.Connection, settings: Settings, *, retire_old: bool = False) -> tuple[str, dict[str, int]]:
    """Make a new key current and re-encrypt every sealed value under it, in the caller's transaction.

    With the key file (embedded/demo), a key is generated and put first; with BENCHCRM_DATA_KEYS, the operator has
    already put the new key first and this re-encrypts. `retire_old` (key file only) then forgets the old keys —
    do it once backups taken under them no longer matter."""
    if settings.data_keys is None:
        add_key_to_file(settings)
    forget_keyrings()
    ring = get_keyring(settings)
    counts = reseal(conn, ring)
    if retire_old and settings.data_keys is None:
        drop_old_keys_from_file(settings, keep=ring.current_id)
        forget_keyrings()
    return ring.current_id, counts
