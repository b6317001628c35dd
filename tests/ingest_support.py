"""Ingestion test inputs shared by tests/ingest and tests/orchestration: vendor e-mails in the shapes recruiters
receive, a plain-text resume, a tiny deterministic embedder (hashed bag of words, L2-normalized) passed in where the
real model is not the point of the test, the same embedder behind the Dagster resource, and the tenant fixtures the
ingestion tests use (re-exported by their conftest). Postgres is always the real embedded server."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from orchestration.defs.ingest.resources import EmbedderResource
from warehouse.db import tenant_tx


class HashingEmbedder:
    """Deterministic 384-d bag-of-words embedder: near-identical texts get cosine similarity near 1."""

    model_name = "test-hashing-384"
    dims = 384

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def encode(self, texts) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in re.findall(r"[a-z0-9+#]+", text.lower()):
                out[i, int(hashlib.md5(token.encode()).hexdigest()[:8], 16) % self.dims] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def tenant(make_tenant) -> uuid.UUID:
    return make_tenant()


@pytest.fixture
def tx(app_engine, tenant) -> Callable[[], object]:
    """`with tx() as conn:` one committed transaction for the test's tenant, as the application role."""

    def _tx():
        return tenant_tx(tenant, app_engine)

    return _tx


def vendor_email(*, role: str = "Sr. Data Engineer", city: str = "Austin", state: str = "TX",
                 skills: str = "Python, PySpark, AWS Glue, Redshift, Airflow, SQL", rate: int = 68,
                 client: str | None = "Lone Star Bank", vendor: str = "Apex Systems",
                 vendor_domain: str = "apexsys.example", req_id: str | None = None,
                 message_id: str | None = None, when: datetime | None = None, extra: str = "",
                 nice: str = "Kafka, dbt", visa: str | None = "USC, GC, H1B") -> bytes:
    """A requirement as a vendor forwards it (greeting, fields, signature)."""
    msg = EmailMessage()
    msg["From"] = f"Recruiter <jobs@{vendor_domain}>"
    msg["To"] = "bench@benchfirm.example"
    msg["Subject"] = f"Immediate need: {role} || {city}, {state} || C2C" + (f" || Req# {req_id}" if req_id else "")
    msg["Date"] = format_datetime(when or datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain=vendor_domain)
    body = (
        "Hi,\nHope you are doing well. Please go through the requirement below.\n\n"
        f"Role: {role}\nLocation: {city}, {state} (Hybrid - 3 days onsite)\nDuration: 12+ Months\n"
        f"Rate: ${rate}/hr on C2C\n" + (f"Visa: {visa}\n" if visa else "")
        + (f"Client: {client}\n" if client else "")
        + (f"\nMust have: {skills}\n" if skills else "\n")
        + (f"Nice to have: {nice}\n" if nice else "")
        + f"{extra}\n"
        f"Thanks & Regards,\nRecruiter | {vendor}\nPhone: 555-010-{rate:04d}\n"
    )
    msg.set_content(body)
    return bytes(msg)


def resume_txt(*, name: str = "Priya Raman", email: str = "priya.raman@example.com",
               skills: str = "Python, PySpark, Snowflake, Airflow, SQL") -> bytes:
    """A plain-text resume in the usual shape: name, title, contact line, skills, summary."""
    return (f"{name}\nSenior Data Engineer\n{email} | (555) 010-2233 | Austin, TX\nSkills: {skills}\n\n"
            "Summary: 10 years building data platforms on AWS for banking clients.\n").encode()


@pytest.fixture
def count(tx) -> Callable[[str], int]:
    def _count(sql: str, **params) -> int:
        with tx() as conn:
            return int(conn.execute(sa.text(sql), params).scalar_one())

    return _count


@pytest.fixture
def conn(tx) -> Iterator[sa.Connection]:
    with tx() as c:
        yield c


_FAKE = HashingEmbedder()


class FakeEmbedderResource(EmbedderResource):
    """The deterministic test embedder behind the same resource interface as the real model."""

    def encoder(self) -> HashingEmbedder:
        return _FAKE


def materialization_metadata(result) -> dict[str, dict]:
    """Each materialized asset's metadata in a Dagster execution result, by asset key."""
    return {m.asset_key.to_user_string(): m.metadata for m in
            (e.event_specific_data.materialization for e in result.get_asset_materialization_events())}


def sample_inbox(tmp_path: Path, tenant: str) -> Path:
    """A folder inbox (the root) whose sub-folder for `tenant` holds five vendor emails and a resume folder."""
    root = tmp_path / "inbox"
    inbox = root / tenant
    (inbox / "resumes").mkdir(parents=True)
    (inbox / "a.eml").write_bytes(vendor_email(vendor_domain="a.example"))
    (inbox / "b.eml").write_bytes(vendor_email(vendor_domain="b.example", rate=66))
    (inbox / "c.eml").write_bytes(vendor_email(role="Salesforce Developer", skills="Salesforce, Apex, LWC",
                                               client="Globex", city="Chicago", state="IL"))
    (inbox / "d.eml").write_bytes(vendor_email(role="ServiceNow Developer", skills="ServiceNow, JavaScript",
                                               client="Acme Retail", city="Denver", state="CO"))
    (inbox / "e.eml").write_bytes(vendor_email(role="Guidewire Developer", skills="Guidewire, Java, SQL",
                                               client="Hartford Mutual", city="Hartford", state="CT"))
    (inbox / "empty.eml").write_bytes(b"")
    (inbox / "resumes" / "priya.txt").write_bytes(resume_txt())
    (inbox / "resumes" / "li.txt").write_bytes(resume_txt(name="Li Wei", email="li.wei@example.com",
                                                          skills="Java, Spring Boot, AWS"))
    return root
