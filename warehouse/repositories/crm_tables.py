"""The CRUD tables the API exposes: columns, writable fields, filters and search for each."""

from __future__ import annotations

from warehouse.repositories.records import TableSpec


def _spec(table: str, entity: str, columns: str, *, writable: str | None = None, immutable: str = "",
          filters: str = "", tsv: bool = False, search: str = "") -> TableSpec:
    cols = tuple(columns.split())
    return TableSpec(
        table=table, entity=entity, columns=cols,
        writable=frozenset(writable.split() if writable is not None else cols) - frozenset(immutable.split()),
        immutable=frozenset(immutable.split()), filters=frozenset(filters.split()), tsv=tsv,
        search_columns=tuple(search.split()))


CONSULTANTS = _spec(
    "consultant", "consultant",
    "full_name external_id email phone title summary years_experience city state country lat lon timezone "
    "remote_ok willing_to_relocate hourly_rate visa_status available_from bench_since status recruiter_id",
    writable="full_name email phone title summary resume_text years_experience city state country lat lon "
             "timezone remote_ok willing_to_relocate hourly_rate visa_status available_from bench_since status "
             "recruiter_id",
    immutable="external_id", filters="status visa_status state city recruiter_id", tsv=True)

REQUIREMENTS = _spec(
    "requirement", "requirement",
    "title external_id description raw_subject client_company_id vendor_company_id end_client_name city state "
    "country lat lon timezone work_mode bill_rate_max employment_terms duration_months start_date min_years "
    "seniority visa_accepted domains status received_at recruiter_id",
    writable="title description raw_subject client_company_id vendor_company_id end_client_name city state "
             "country lat lon timezone work_mode bill_rate_max employment_terms duration_months start_date "
             "min_years seniority visa_accepted domains status recruiter_id",
    immutable="external_id", filters="status work_mode state client_company_id vendor_company_id", tsv=True)

COMPANIES = _spec("company", "company", "name kind external_id industry domain city state",
                  immutable="external_id", filters="kind state", search="name domain industry")

CONTACTS = _spec("contact", "contact", "company_id full_name external_id email phone title",
                 # email is sealed (warehouse/sealed.py): a whole address matches through its blind index instead
                 immutable="external_id", filters="company_id", search="full_name title")

SUBMISSIONS = _spec(
    "submission", "submission",
    "consultant_id requirement_id vendor_company_id recruiter_id recommendation_id status submitted_rate pay_rate "
    "match_score success_probability submitted_at closed_at",
    writable="vendor_company_id recruiter_id status submitted_rate pay_rate submitted_at closed_at",
    immutable="consultant_id requirement_id recommendation_id match_score success_probability",
    filters="status consultant_id requirement_id")

INTERVIEWS = _spec("interview", "interview", "submission_id round scheduled_at outcome",
                   writable="round scheduled_at outcome", immutable="submission_id",
                   filters="submission_id outcome")

OFFERS = _spec("offer", "offer", "submission_id offered_at bill_rate pay_rate status",
               writable="offered_at bill_rate pay_rate status", immutable="submission_id",
               filters="submission_id status")

PLACEMENTS = _spec("placement", "placement",
                   "submission_id consultant_id requirement_id start_date end_date bill_rate pay_rate",
                   writable="start_date end_date bill_rate pay_rate",
                   immutable="submission_id consultant_id requirement_id",
                   filters="submission_id consultant_id requirement_id")

ACTIVITIES = _spec("activity", "activity",
                   "kind subject body consultant_id requirement_id contact_id actor_id occurred_at",
                   writable="kind subject body consultant_id requirement_id contact_id occurred_at",
                   immutable="actor_id", filters="kind consultant_id requirement_id contact_id",
                   search="subject body")

TAGS = _spec("tag", "tag", "name color", filters="name", search="name")

ATTACHMENTS = _spec("attachment", "attachment", "entity_type entity_id filename content_type size_bytes sha256",
                    writable="filename", immutable="entity_type entity_id content_type size_bytes sha256 content",
                    filters="entity_type entity_id", search="filename")
