"""Render requirement emails the way bench sales inboxes receive them, with the gold of what each one states.

Formats: `header` (Role/Location/Rate/Duration/Visa lines), `bullets`, `prose`, `html` (a table; text/html alone or
multipart/alternative), `forwarded` (a sub-vendor forwarding a prime vendor's mail, inner mail in any of the
previous formats) and `subject` (rate and location only in the subject line). Non-requirements (hotlists,
out-of-office replies) are rendered too, so ingestion has something to reject.

The gold (`EmailGold`) states exactly what THIS email says: a skill the vendor omitted is not in it, "DOE" means no
rate, "Long term" means no duration, "ASAP" means no start date. Rate ranges are stated by their upper bound.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from html import escape
from typing import Protocol


class Rng(Protocol):
    """What rendering needs from a random source: numpy's Generator and the stdlib's Random both qualify (the
    generator passes a seeded stdlib Random: its scalar draws are ~20x cheaper)."""

    def random(self) -> float: ...


FORMATS = ("header", "bullets", "prose", "html", "forwarded", "subject")


@dataclass(frozen=True)
class Sender:
    name: str
    email: str
    title: str
    company: str
    phone: str


@dataclass(frozen=True)
class EmailSpec:
    """Everything one vendor's copy of a requirement says (already varied per copy by the generator)."""

    message_id: str                      # RFC 822 Message-ID with angle brackets
    received_at: datetime
    sender: Sender
    to_addr: str
    fmt: str
    title: str
    external_id: str | None
    required: list[tuple[str, str]]      # (canonical, raw spelling) as stated
    nice: list[tuple[str, str]]
    min_years: int | None
    city: str | None
    state: str | None
    work_mode: str | None
    tz_label: str | None
    hybrid_days: int
    rate_amount: float | None            # as stated (upper bound of a range); None = DOE / not stated
    rate_low: float | None
    rate_unit: str                       # hour | year
    terms: list[str]                     # C2C / W2 / 1099 / FTE as stated
    visa_text: str | None
    visa_list: list[str]
    duration_months: float | None
    duration_text: str
    contract_type: str                   # contract | contract_to_hire | full_time
    start_date: date | None
    start_text: str | None
    client_text: str | None
    end_client: str | None
    domain: str | None
    inner_fmt: str | None = None         # for `forwarded`
    inner_sender: Sender | None = None
    inner_sent_at: datetime | None = None
    duties: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderedEmail:
    raw: bytes
    subject: str
    from_addr: str
    body_text: str
    gold: dict
    content_hash: str


# ---------------------------------------------------------------------------------------------- phrasing helpers
def _pick(rng: Rng, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.random() * len(options))]


def _money(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _location_short(s: EmailSpec) -> str:
    if s.work_mode == "remote":
        return f"Remote ({s.tz_label})" if s.tz_label else "Remote"
    mode = "Onsite" if s.work_mode == "onsite" else "Hybrid"
    return f"{s.city}, {s.state} ({mode})"


def _location_long(s: EmailSpec, rng: Rng) -> str:
    if s.work_mode == "remote":
        return _pick(rng, (f"Remote ({s.tz_label} hours)", f"100% Remote – must work {s.tz_label} hours",
                           f"Remote (US) – {s.tz_label} time zone"))
    if s.work_mode == "onsite":
        return _pick(rng, (f"{s.city}, {s.state} (Onsite from day 1)", f"{s.city}, {s.state} – Onsite",
                           f"Onsite – {s.city}, {s.state} (Locals only)"))
    return _pick(rng, (f"Hybrid {s.hybrid_days} days/week – {s.city}, {s.state}",
                       f"{s.city}, {s.state} (Hybrid – {s.hybrid_days} days onsite)"))


def _terms_text(s: EmailSpec) -> str:
    if s.terms == ["FTE"]:
        return "Full time"
    if len(s.terms) == 1:
        return f"{s.terms[0]} only"
    return "/".join(s.terms)


def _rate_text(s: EmailSpec, rng: Rng) -> str:
    if s.rate_amount is None:
        return _pick(rng, ("DOE", "Best rate", "Competitive (DOE)"))
    if s.rate_unit == "year":
        low = s.rate_low or s.rate_amount
        return f"${low / 1000:.0f}K-${s.rate_amount / 1000:.0f}K + benefits"
    terms = "/".join(s.terms)
    amount = _money(s.rate_amount)
    if s.rate_low is not None:
        return f"${_money(s.rate_low)}-{amount}/hr {terms}"
    return _pick(rng, (f"${amount}/hr {terms}", f"{amount}/hr on {terms}", f"Max ${amount}/hr all inclusive ({terms})",
                       f"${amount}/hour on {terms}"))


def _skills(items: list[tuple[str, str]]) -> list[str]:
    return [raw for _, raw in items]


def _years_text(s: EmailSpec, rng: Rng) -> str | None:
    if s.min_years is None:
        return None
    return _pick(rng, (f"{s.min_years}+ years", f"Min {s.min_years} years of experience", f"{s.min_years}+ yrs"))


def _signature(sender: Sender, rng: Rng) -> str:
    lines = [_pick(rng, ("Thanks & Regards,", "Thanks and Regards,", "Regards,", "Best,")), sender.name,
             f"{sender.title} | {sender.company}", f"Phone: {sender.phone} | Email: {sender.email}"]
    if rng.random() < 0.5:
        lines.append("Please share resume with DL, visa copy and LinkedIn.")
    if rng.random() < 0.4:
        lines.append("")
        lines.append("Disclaimer: This email may contain confidential information. If you are not the intended "
                     "recipient, please delete it. To unsubscribe, reply with REMOVE in the subject.")
    return "\n".join(lines)


def _subject(s: EmailSpec, rng: Rng) -> str:
    loc = _location_short(s)
    if s.fmt == "subject":
        rate = f"${_money(s.rate_amount)}/hr" if s.rate_amount and s.rate_unit == "hour" else _terms_text(s)
        return _pick(rng, (f"{s.title} || {loc} || {rate} {'/'.join(s.terms)}",
                           f"Need {s.title} - {loc} - {rate}"))
    options = [f"Immediate need: {s.title} || {loc} || {s.duration_text} || {_terms_text(s)}",
               f"URGENT: Need {s.title.upper()} – {loc} – {_terms_text(s)}",
               f"{s.title} - {loc} - {_terms_text(s)}",
               f"Requirement: {s.title} at {loc}",
               f"{s.title} :: {loc} :: {s.duration_text}"]
    if s.external_id:
        options.append(f"Req# {s.external_id} | {s.title} | {loc}")
    return _pick(rng, options)


# ---------------------------------------------------------------------------------------------- body formats
def _header_body(s: EmailSpec, rng: Rng, subject_only: bool = False) -> str:
    lines = [_pick(rng, ("Hi,", "Hello,", "Hi Partner,", "Good Morning,")),
             _pick(rng, ("Hope you are doing well. Please go through the requirement below and let me know if you "
                         "have a matching consultant.",
                         "Please find the requirement below and share suitable profiles ASAP.",
                         "We have the below requirement with our client. Kindly share your best consultants.")), ""]
    lines.append(f"{_pick(rng, ('Role', 'Position', 'Job Title'))}: {s.title}")
    if not subject_only:
        lines.append(f"Location: {_location_long(s, rng)}")
    lines.append(f"{_pick(rng, ('Duration', 'Contract Length'))}: {s.duration_text}")
    if not subject_only or s.rate_unit == "year":  # the subject carries hourly rates only
        lines.append(f"{_pick(rng, ('Rate', 'Pay Rate', 'Bill Rate'))}: {_rate_text(s, rng)}")
    if s.visa_text:
        lines.append(f"{_pick(rng, ('Visa', 'Work Authorization', 'Visa Status'))}: {s.visa_text}")
    if s.client_text:
        lines.append(f"Client: {s.client_text}")
    if s.external_id:
        lines.append(f"{_pick(rng, ('Req#', 'Job ID', 'Requirement ID'))}: {s.external_id}")
    if s.start_text:
        lines.append(f"Start: {s.start_text}")
    lines.append("")
    years = _years_text(s, rng)
    lines.append(f"Must have: {', '.join(_skills(s.required))}" + (f" ({years})" if years else ""))
    if s.nice:
        lines.append(f"Nice to have: {', '.join(_skills(s.nice))}")
    if s.domain:
        lines.append(f"Domain: {s.domain.title()} domain experience preferred")
    if s.duties:
        lines += ["", "Job Description:", *s.duties]
    return "\n".join(lines)


def _bullets_body(s: EmailSpec, rng: Rng) -> str:
    b = _pick(rng, ("• ", "- ", "* "))
    lines = [_pick(rng, ("Hello Partners,", "Hi All,", "Dear Partner,")),
             _pick(rng, ("We have an urgent requirement with our direct client. Details below:",
                         "Please review the position below and respond with your best candidates.")), ""]
    lines.append(f"{b}Job Title: {s.title}")
    lines.append(f"{b}Location: {_location_long(s, rng)}")
    years = _years_text(s, rng)
    if years:
        lines.append(f"{b}Experience: {years}")
    lines.append(f"{b}Duration: {s.duration_text}")
    lines.append(f"{b}Rate: {_rate_text(s, rng)}")
    if s.visa_text:
        lines.append(f"{b}Visa: {s.visa_text}")
    if s.client_text:
        lines.append(f"{b}End Client: {s.client_text}")
    if s.external_id:
        lines.append(f"{b}Job ID: {s.external_id}")
    if s.start_text:
        lines.append(f"{b}Start Date: {s.start_text}")
    lines += ["", "Required Skills:"] + [f"  - {raw}" for raw in _skills(s.required)]
    if s.nice:
        lines += ["Preferred Skills:"] + [f"  - {raw}" for raw in _skills(s.nice)]
    if s.duties:
        lines += ["", "Responsibilities:"] + [f"{b}{d}" for d in s.duties]
    return "\n".join(lines)


def _prose_body(s: EmailSpec, rng: Rng) -> str:
    req = _skills(s.required)
    skills = ", ".join(req[:-1]) + f" and {req[-1]}" if len(req) > 1 else req[0]
    parts = [f"Looking for a {s.title} with strong {skills} experience"]
    if s.nice:
        parts.append(f"{' / '.join(_skills(s.nice))} is a plus")
    if s.domain:
        parts.append(f"{s.domain} domain preferred")
    if s.min_years is not None:
        parts.append(f"{s.min_years}+ yrs")
    if s.work_mode == "remote":
        parts.append(f"remote in {s.tz_label}" if s.tz_label else "remote")
    elif s.work_mode == "onsite":
        parts.append(f"onsite in {s.city}, {s.state}")
    else:
        parts.append(f"hybrid ({s.hybrid_days} days a week) in {s.city}, {s.state}")
    parts.append(_terms_text(s))
    if s.visa_text:
        parts.append(s.visa_text)
    if s.rate_amount is not None:
        if s.rate_unit == "year":
            parts.append(f"salary up to ${_money(s.rate_amount)} per year")
        else:
            parts.append(f"rate up to {_money(s.rate_amount)}/hr")
    else:
        parts.append("rate DOE")
    parts.append(f"duration {s.duration_text.lower()}")
    text = "; ".join(parts) + "."
    extra = []
    if s.client_text:
        extra.append(f"Client is {s.client_text}.")
    if s.external_id:
        extra.append(f"Please mention Req# {s.external_id} in your reply.")
    if s.start_text:
        extra.append(f"Start date: {s.start_text}.")
    return "\n".join([_pick(rng, ("Hi,", "Hello team,", "Hi there,")), "", text, *(["", " ".join(extra)] if extra else [])])


def _html_table(s: EmailSpec, rng: Rng) -> tuple[str, str]:
    """(html, text rendering) of a table-style requirement."""
    rows = [("Job Title", s.title), ("Location", _location_long(s, rng)), ("Duration", s.duration_text),
            ("Rate", _rate_text(s, rng))]
    if s.visa_text:
        rows.append(("Visa", s.visa_text))
    years = _years_text(s, rng)
    if years:
        rows.append(("Experience", years))
    if s.client_text:
        rows.append(("Client", s.client_text))
    if s.external_id:
        rows.append(("Req ID", s.external_id))
    if s.start_text:
        rows.append(("Start Date", s.start_text))
    table = "".join(f"<tr><td style=\"font-weight:bold\">{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    must = "".join(f"<li>{escape(r)}</li>" for r in _skills(s.required))
    nice = "".join(f"<li>{escape(r)}</li>" for r in _skills(s.nice))
    duties = "".join(f"<p>{escape(d)}</p>" for d in s.duties)
    html = (f"<html><body><p>Hi,</p><p>Please find the requirement details below.</p>"
            f"<table border=\"1\" cellpadding=\"4\">{table}</table>"
            f"<p><b>Must Have Skills:</b></p><ul>{must}</ul>"
            + (f"<p><b>Nice to Have:</b></p><ul>{nice}</ul>" if s.nice else "")
            + duties + "</body></html>")
    text = "\n".join(["Hi,", "Please find the requirement details below.", ""]
                     + [f"{k}: {v}" for k, v in rows] + ["", "Must Have Skills:"]
                     + [f"- {r}" for r in _skills(s.required)]
                     + (["Nice to Have:"] + [f"- {r}" for r in _skills(s.nice)] if s.nice else [])
                     + (["", *s.duties] if s.duties else []))
    return html, text


def _plain_body(fmt: str, s: EmailSpec, rng: Rng) -> str:
    if fmt == "bullets":
        return _bullets_body(s, rng)
    if fmt == "prose":
        return _prose_body(s, rng)
    if fmt == "subject":
        return _header_body(s, rng, subject_only=True)
    return _header_body(s, rng)


# ---------------------------------------------------------------------------------------------- the message
def _header(value: str) -> str:
    """An unstructured header value, RFC 2047-encoded when it is not ASCII (en dashes are common in subjects)."""
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=998).encode()


def _headers(sender: Sender, to_addr: str, subject: str, when: datetime, message_id: str) -> list[str]:
    # Written by hand rather than with EmailMessage: the policy machinery costs ~4 ms a message, and a world has
    # thousands; the stdlib parser reads these back (tests parse every message).
    return [f"From: {formataddr((sender.name, sender.email))}", f"To: {to_addr}", f"Subject: {_header(subject)}",
            f"Date: {format_datetime(when)}", f"Message-ID: {message_id}", "MIME-Version: 1.0"]


def _text_part(body: str, subtype: str = "plain") -> list[str]:
    # 8bit UTF-8 (no line is near the 998-octet limit: HTML is broken between tags); quoted-printable would cost
    # more time than the rest of the rendering together.
    cte = "7bit" if body.isascii() else "8bit"
    return [f'Content-Type: text/{subtype}; charset="utf-8"', f"Content-Transfer-Encoding: {cte}", "", body]


def _assemble(headers: list[str], parts: list[list[str]], boundary: str | None = None) -> bytes:
    if len(parts) == 1:
        lines = headers + parts[0]
    else:
        lines = [*headers, f'Content-Type: multipart/alternative; boundary="{boundary}"', "",
                 "This is a multi-part message in MIME format."]
        for part in parts:
            lines += [f"--{boundary}", *part]
        lines.append(f"--{boundary}--")
    return ("\r\n".join("\r\n".join(line.split("\n")) for line in lines) + "\r\n").encode("utf-8")


def gold_of(s: EmailSpec) -> dict:
    """What this email states, shaped like ml.extraction.schemas.RequirementExtraction. Keys (always present):

    is_requirement (True here; False for hotlists / out-of-office, whose gold has only is_requirement + format),
    format ("header" | "bullets" | "prose" | "html" | "subject" | "forwarded/<inner format>"),
    title (as written), external_id (the Req#/Job ID token, or None),
    skills: [{canonical, raw, required}] (taxonomy names; raw = spelling in the email; must-have vs nice-to-have),
    min_years (float | None), location: {city, state, work_mode, timezone_label} (city/state None when remote;
    timezone_label "EST"/"CST"/"MST"/"PST" for remote roles), visa_accepted (explicit codes, negations expanded
    over vocab.VISAS; [] when not stated), rate: {amount, unit "hour"|"year", hourly_usd (annual / 2080, 2 dp),
    terms} | None (None for "DOE"; ranges stated by their upper bound), employment_terms (["C2C"], ["W2", "1099"],
    ["FTE"], ...), duration_months (None for "Long term" and full time), contract_type ("contract" |
    "contract_to_hire" | "full_time"), start_date (ISO date when a date is written, None for ASAP/absent),
    client (the client phrase as written, e.g. "Fortune 500 bank", or None), end_client (the end client's name when
    the email names it, else None), vendor (the sending company), domain (industry when stated, else None).
    """
    rate = None
    if s.rate_amount is not None:
        hourly = s.rate_amount / 2080.0 if s.rate_unit == "year" else s.rate_amount
        rate = {"amount": float(s.rate_amount), "unit": s.rate_unit, "hourly_usd": round(hourly, 2),
                "terms": list(s.terms)}
    city, state = (None, None) if s.work_mode == "remote" else (s.city, s.state)
    return {
        "is_requirement": True,
        "format": s.fmt if s.fmt != "forwarded" else f"forwarded/{s.inner_fmt}",
        "title": s.title,
        "external_id": s.external_id,
        "skills": [{"canonical": c, "raw": r, "required": True} for c, r in s.required]
        + [{"canonical": c, "raw": r, "required": False} for c, r in s.nice],
        "min_years": float(s.min_years) if s.min_years is not None else None,
        "location": {"city": city, "state": state, "work_mode": s.work_mode,
                     "timezone_label": s.tz_label if s.work_mode == "remote" else None},
        "visa_accepted": list(s.visa_list),
        "rate": rate,
        "employment_terms": list(s.terms),
        "duration_months": s.duration_months,
        "contract_type": s.contract_type,
        "start_date": s.start_date.isoformat() if s.start_date else None,
        "client": s.client_text,
        "end_client": s.end_client,
        "vendor": s.sender.company,
        "domain": s.domain,
    }


def render(s: EmailSpec, rng: Rng) -> RenderedEmail:
    """One raw RFC 822 message for a requirement copy, with its gold."""
    subject = _subject(s, rng)
    signature = _signature(s.sender, rng)
    boundary = None
    if s.fmt == "html":
        html, text = _html_table(s, rng)
        body_text = f"{text}\n\n{signature}"
        html_sig = "<br>".join(escape(line) for line in signature.splitlines())
        html_full = html.replace("</body>", f"<p>{html_sig}</p></body>").replace("><", ">\n<")
        if rng.random() < 0.5:
            parts = [_text_part(html_full, "html")]
        else:
            boundary = f"=_bcrm_{hashlib.sha1(s.message_id.encode()).hexdigest()[:16]}"
            parts = [_text_part(body_text), _text_part(html_full, "html")]
    elif s.fmt == "forwarded":
        inner_sender = s.inner_sender or s.sender
        inner_subject = _subject(EmailSpec(**{**s.__dict__, "fmt": s.inner_fmt or "header"}), rng)
        inner = _plain_body(s.inner_fmt or "header", s, rng)
        inner_sig = _signature(inner_sender, rng)
        sent = s.inner_sent_at or s.received_at
        subject = f"{_pick(rng, ('Fwd', 'FW', 'Fw'))}: {inner_subject}"
        body_text = "\n".join([
            _pick(rng, ("Please see below and share profiles.", "FYI - please check and send matching resumes.",
                        "Forwarding for your review. Let me know if you have anyone.")), "", signature, "",
            "---------- Forwarded message ---------",
            f"From: {inner_sender.name} <{inner_sender.email}>",
            f"Date: {sent.strftime('%a, %b %d, %Y at %I:%M %p')}",
            f"Subject: {inner_subject}",
            f"To: {s.sender.email}", "", inner, "", inner_sig])
        parts = [_text_part(body_text)]
    else:
        body_text = f"{_plain_body(s.fmt, s, rng)}\n\n{signature}"
        parts = [_text_part(body_text)]
    raw = _assemble(_headers(s.sender, s.to_addr, subject, s.received_at, s.message_id), parts, boundary)
    return RenderedEmail(raw=raw, subject=subject, from_addr=s.sender.email, body_text=body_text,
                         gold=gold_of(s), content_hash=hashlib.sha256(raw).hexdigest())


def render_non_requirement(kind: str, *, sender: Sender, to_addr: str, when: datetime, message_id: str,
                           hotlist: list[tuple[str, str, str, str]], rng: Rng) -> RenderedEmail:
    """A hotlist (other firms' available consultants) or an out-of-office reply: not a requirement."""
    if kind == "hotlist":
        subject = _pick(rng, ("Daily Hotlist - Available Consultants", "HOTLIST: Immediately available consultants",
                              f"{sender.company} bench hotlist"))
        rows = [f"{i + 1}. {title} | {loc} | {visa} | {rate}" for i, (title, loc, visa, rate) in enumerate(hotlist)]
        body = "\n".join(["Hi Partners,", "", "Please find our available consultants below. Reach out for resumes.",
                          "", *rows, "", _signature(sender, rng)])
    else:
        subject = f"Automatic reply: {_pick(rng, ('Out of office', 'OOO', 'Away from the office'))}"
        body = f"I am out of the office with limited access to email and will respond on my return.\n\n{sender.name}"
    raw = _assemble(_headers(sender, to_addr, subject, when, message_id), [_text_part(body)])
    return RenderedEmail(raw=raw, subject=subject, from_addr=sender.email, body_text=body,
                         gold={"is_requirement": False, "format": kind}, content_hash=hashlib.sha256(raw).hexdigest())
