"""The CRUD tables the API exposes: columns, writable fields, filters and search for each.

A resource's columns are its table's (warehouse.schema) minus the system columns and those named `hidden` (never
exposed nor written) or `write_only` (written, never read back); every name given here must be a column of the
table, so a renamed or dropped column fails at import instead of in a request.
"""

from __future__ import annotations

from warehouse.repositories.records import TableSpec
from warehouse.schema import SYSTEM_COLUMNS, column_names


def _spec(table: str, entity: str, *, hidden: str = "", write_only: str = "", immutable: str = "",
          read_only: str = "", filters: str = "", tsv: bool = False, search: str = "") -> TableSpec:
    known = column_names(table)
    named = {*hidden.split(), *write_only.split(), *immutable.split(), *read_only.split(), *filters.split(),
             *search.split()}
    unknown = named - set(known)
    if unknown:
        raise ValueError(f"not columns of crm.{table}: {sorted(unknown)}")
    not_exposed = SYSTEM_COLUMNS | set(hidden.split()) | set(write_only.split())
    cols = tuple(c for c in known if c not in not_exposed)
    return TableSpec(
        table=table, entity=entity, columns=cols,
        writable=(frozenset(cols) | frozenset(write_only.split())) - frozenset(immutable.split())
        - frozenset(read_only.split()),
        immutable=frozenset(immutable.split()), filters=frozenset(filters.split()), tsv=tsv,
        search_columns=tuple(search.split()))


CONSULTANTS = _spec("consultant", "consultant", hidden="content_hash email_bidx phone_bidx", write_only="resume_text",
                    immutable="external_id", filters="status visa_status state city recruiter_id", tsv=True)

REQUIREMENTS = _spec("requirement", "requirement",
                     hidden="extraction extraction_status content_hash dedupe_key", read_only="received_at",
                     immutable="external_id", filters="status work_mode state client_company_id vendor_company_id",
                     tsv=True)

COMPANIES = _spec("company", "company", immutable="external_id", filters="kind state", search="name domain industry")

# email is sealed (warehouse/sealed.py): a whole address matches through its blind index instead of a substring
CONTACTS = _spec("contact", "contact", hidden="email_bidx phone_bidx", immutable="external_id", filters="company_id", search="full_name title")

SUBMISSIONS = _spec("submission", "submission",
                    immutable="consultant_id requirement_id recommendation_id match_score success_probability",
                    filters="status consultant_id requirement_id")

INTERVIEWS = _spec("interview", "interview", immutable="submission_id", filters="submission_id outcome")

OFFERS = _spec("offer", "offer", immutable="submission_id", filters="submission_id status")

PLACEMENTS = _spec("placement", "placement", immutable="submission_id consultant_id requirement_id",
                   filters="submission_id consultant_id requirement_id")

ACTIVITIES = _spec("activity", "activity", immutable="actor_id", filters="kind consultant_id requirement_id contact_id",
                   search="subject body")

TAGS = _spec("tag", "tag", filters="name", search="name")

ATTACHMENTS = _spec("attachment", "attachment", write_only="content",
                    immutable="entity_type entity_id content_type size_bytes sha256 content",
                    filters="entity_type entity_id", search="filename")
