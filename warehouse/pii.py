"""The personal-data inventory: which columns hold personal data, of what kind, about whom.

This is the one declaration. docs/security.md renders it (`render_markdown`, kept in sync by a test), the API
masks the kinds in `MASKED_KINDS` for the roles in `MASKED_ROLES` (serving/privacy.py), and a test checks that
every column named here exists and that no column that looks personal (email, phone, name, raw, resume...) is
missing from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    CONTACT_EMAIL = "contact email"
    CONTACT_PHONE = "contact phone"
    NAME = "name"
    RESUME_TEXT = "resume text"
    RESUME_FILE = "resume file"
    RAW_EMAIL = "raw email"
    VISA = "visa status"
    RATE = "pay rate"
    LOCATION = "location"
    FREE_TEXT = "free text about a person"
    DERIVED = "derived from resume text"
    RECORD_COPY = "copy of a record"


class Subject(StrEnum):
    CONSULTANT = "consultant"
    CONTACT = "contact"
    SENDER = "email sender"
    USER = "user of BenchCRM"
    ANY = "any person"


@dataclass(frozen=True)
class PiiColumn:
    table: str          # schema-qualified
    column: str
    kind: PiiKind
    subject: Subject
    note: str = ""
    sealed: bool = False    # encrypted by the application (warehouse/sealed.py), with a blind index for lookups


C, K = Subject.CONSULTANT, PiiKind
INVENTORY: tuple[PiiColumn, ...] = (
    PiiColumn("crm.consultant", "full_name", K.NAME, C),
    PiiColumn("crm.consultant", "email", K.CONTACT_EMAIL, C, sealed=True),
    PiiColumn("crm.consultant", "phone", K.CONTACT_PHONE, C, sealed=True),
    PiiColumn("crm.consultant", "summary", K.FREE_TEXT, C),
    PiiColumn("crm.consultant", "resume_text", K.RESUME_TEXT, C),
    PiiColumn("crm.consultant", "search_tsv", K.DERIVED, C, "full-text index of name and resume"),
    PiiColumn("crm.consultant", "city", K.LOCATION, C),
    PiiColumn("crm.consultant", "state", K.LOCATION, C),
    PiiColumn("crm.consultant", "lat", K.LOCATION, C),
    PiiColumn("crm.consultant", "lon", K.LOCATION, C),
    PiiColumn("crm.consultant", "hourly_rate", K.RATE, C),
    PiiColumn("crm.consultant", "visa_status", K.VISA, C),
    PiiColumn("crm.rate_card", "hourly_rate", K.RATE, C),
    PiiColumn("crm.availability", "note", K.FREE_TEXT, C),
    PiiColumn("crm.consultant_skill", "raw_name", K.DERIVED, C, "skills as written in the resume"),
    PiiColumn("crm.embedding", "vector", K.DERIVED, C, "resume embedding (entity_type consultant)"),
    PiiColumn("crm.feature_snapshot", "features", K.DERIVED, C, "match features of a consultant"),
    PiiColumn("crm.attachment", "content", K.RESUME_FILE, Subject.ANY, "uploaded files, resumes among them"),
    PiiColumn("crm.attachment", "filename", K.NAME, Subject.ANY, "often the person's name"),
    PiiColumn("crm.contact", "full_name", K.NAME, Subject.CONTACT),
    PiiColumn("crm.contact", "email", K.CONTACT_EMAIL, Subject.CONTACT, sealed=True),
    PiiColumn("crm.contact", "phone", K.CONTACT_PHONE, Subject.CONTACT, sealed=True),
    PiiColumn("crm.inbound_message", "raw", K.RAW_EMAIL, Subject.SENDER, "headers, body, signature, attachments"),
    PiiColumn("crm.inbound_message", "from_addr", K.CONTACT_EMAIL, Subject.SENDER),
    PiiColumn("crm.inbound_message", "subject", K.FREE_TEXT, Subject.SENDER),
    PiiColumn("crm.quarantine", "raw", K.RAW_EMAIL, Subject.ANY, "what could not be parsed (emails, resumes)"),
    PiiColumn("crm.quarantine", "detail", K.FREE_TEXT, Subject.ANY),
    PiiColumn("crm.requirement", "description", K.FREE_TEXT, Subject.SENDER, "vendor email body: signatures"),
    PiiColumn("crm.requirement", "raw_subject", K.FREE_TEXT, Subject.SENDER),
    PiiColumn("crm.requirement", "extraction", K.FREE_TEXT, Subject.SENDER, "spans of the vendor email"),
    PiiColumn("crm.activity", "subject", K.FREE_TEXT, Subject.ANY),
    PiiColumn("crm.activity", "body", K.FREE_TEXT, Subject.ANY),
    PiiColumn("crm.app_user", "email", K.CONTACT_EMAIL, Subject.USER),
    PiiColumn("crm.app_user", "full_name", K.NAME, Subject.USER),
    PiiColumn("crm.outbox", "payload", K.RECORD_COPY, Subject.ANY, "event payloads carry the public record"),
    PiiColumn("crm.idempotency_key", "response", K.RECORD_COPY, Subject.ANY, "the first response, replayed"),
    PiiColumn("crm.ai_cache", "output", K.RECORD_COPY, Subject.ANY, "extracted fields of a resume or email"),
    PiiColumn("crm.import_job", "stats", K.RECORD_COPY, Subject.ANY, "import results"),
)

# Contact data is what a reader needs least and an abuser wants most: shown masked to the reading-only roles.
# The API serves these tables as records (consultants, contacts); other tables' contact data is not served at all.
MASKED_KINDS = frozenset({PiiKind.CONTACT_EMAIL, PiiKind.CONTACT_PHONE})
MASKED_ROLES = frozenset({"ReadOnly", "Analyst"})
MASKED_TABLES = frozenset({"crm.consultant", "crm.contact"})


def is_masked(column: PiiColumn) -> bool:
    return column.kind in MASKED_KINDS and column.table in MASKED_TABLES

# Column names that suggest personal data; every crm column matching one must be in the inventory (test).
LOOKS_PERSONAL = re.compile(r"(email|phone|full_name|resume|^raw$|from_addr|visa|hourly_rate|^body$)")
# Keyed hashes of sealed columns: they hold no personal data themselves.
BLIND_INDEX_SUFFIX = "_bidx"


def columns_of(table: str, *kinds: PiiKind) -> tuple[str, ...]:
    return tuple(c.column for c in INVENTORY if c.table == table and (not kinds or c.kind in kinds))


def mask_email(value: str) -> str:
    """ana.souza@example.com -> a***@example.com"""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str) -> str:
    """+1 (214) 555-0199 -> ***99"""
    return "***" + re.sub(r"\D", "", value)[-2:]


def mask(kind: PiiKind, value: str) -> str:
    return mask_email(value) if kind is PiiKind.CONTACT_EMAIL else mask_phone(value)


DOC_BEGIN = "<!-- pii-inventory:begin (generated from warehouse/pii.py; tests/warehouse/test_pii_inventory.py) -->"
DOC_END = "<!-- pii-inventory:end -->"


def render_markdown() -> str:
    lines = [DOC_BEGIN, "| table | column | kind | about | masked for | encrypted | note |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for c in INVENTORY:
        masked = ", ".join(sorted(MASKED_ROLES)) if is_masked(c) else ""
        sealed = "AES-GCM + blind index" if c.sealed else ""
        lines.append(f"| `{c.table}` | `{c.column}` | {c.kind} | {c.subject} | {masked} | {sealed} | {c.note} |")
    lines.append(DOC_END)
    return "\n".join(lines)


def sync_doc(text: str) -> str:
    """`text` (docs/security.md) with its inventory block replaced by the current rendering."""
    start, end = text.index(DOC_BEGIN), text.index(DOC_END) + len(DOC_END)
    return text[:start] + render_markdown() + text[end:]


if __name__ == "__main__":  # python -m warehouse.pii: refresh the table in docs/security.md
    from warehouse.settings import REPO_ROOT

    doc = REPO_ROOT / "docs" / "security.md"
    doc.write_text(sync_doc(doc.read_text()))
