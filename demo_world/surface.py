"""Surface variety: the shapes real vendor emails and resumes come in, beyond the templates the extractor was tuned on.

The generator decides WHAT each email and resume says (the spec, the stated skills: demo_world.generator, drawn from
the world's numpy Generator); this module only decides HOW it is written: free prose, a title on the first line
with no label, a title only in the subject, skills named in sentences or in a "Skill | Years" table, three-line
mails, long mails with a company blurb, benefits and EEO text, forwarded headers, typos, line breaks lost; resumes
with and without sections, skills in sentences or tables or in random order, dates in several formats.

Every draw here comes from the surface's own `random.Random` (seeded from the world seed), never from the world's
numpy Generator nor from its stdlib Random, so the hidden outcome process and every non-text column are identical
whatever the variety; `variety=0.0` reproduces the template-only world byte for byte.

The gold of a varied email (`EmailGold`, same keys as `demo_world.emails.gold_of`) states exactly what THIS text says:
a field a shape leaves out is None (or [] / absent skills) in its gold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from datetime import datetime, timedelta

from demo_world.emails import (
    EmailSpec,
    RenderedEmail,
    _assemble,
    _headers,
    _location_long,
    _location_short,
    _money,
    _pick,
    _rate_text,
    _signature,
    _text_part,
    gold_of,
)

# ------------------------------------------------------------------------------------------------ proportions
# About 40% of real bench-sales mail is a labelled block (Role:/Location:/Rate:) - the shape today's templates
# write (`demo_world.emails.FORMATS`, kept as they are). The rest is spread over the other shapes vendors send: free
# prose is the commonest, then a bare title line followed by loose lines, three-line blasts and long postings
# copied from a job board; tables and subject-only titles are rarer. Weights of the non-labelled shapes are
# relative to each other.
LABELLED_SHARE = 0.40
EMAIL_SHAPE_WEIGHTS = {"narrative": 0.24, "headline": 0.18, "short": 0.18, "long": 0.16, "table": 0.12,
                       "subject_only": 0.12}
EMAIL_SHAPES = ("labelled", *EMAIL_SHAPE_WEIGHTS)
# Noise on non-labelled shapes, each independently: mail forwarded inside the vendor (Outlook headers), typos in
# the filler words, a mail client that lost every line break (the whole mail on one line, double spaces where the
# breaks were), a long legal disclaimer at the bottom.
EMAIL_NOISE_P = {"forwarded": 0.15, "typos": 0.20, "one_line": 0.10, "disclaimer": 0.25}
# A non-labelled shape leaves each optional field out with this probability (the gold then says it is absent);
# `short` leaves out most of them.
OPTIONAL_DROP_P = 0.25

# Resumes: roughly a third of the resumes recruiters receive have no section headings at all (a paragraph per
# job, skills in the running text); the rest have sections in several conventions. Skills are listed
# strongest-first, in arbitrary order, as a "Skill | Years" table, or only in sentences. Dates come in the formats
# people type. A few resumes arrive with their line breaks lost.
RESUME_VARIED_SHARE = 0.65           # the other 35% keep the template resume
RESUME_SECTIONLESS_P = 0.30 / RESUME_VARIED_SHARE  # ~30% of all resumes lose their sections
RESUME_SKILLS_WEIGHTS = {"list": 0.30, "shuffled": 0.30, "table": 0.20, "sentences": 0.20}
RESUME_TITLE_WEIGHTS = {"second_line": 0.35, "headline": 0.30, "name_line": 0.20, "sentence": 0.15}
RESUME_LENGTH_WEIGHTS = {"short": 0.25, "normal": 0.50, "long": 0.25}
RESUME_ONE_LINE_P = 0.08

DATE_STYLES = ("mm/yyyy", "Mon yyyy", "yyyy", "Month yyyy", "yyyy-mm")
PRESENT_WORDS = ("Present", "Current", "Till Date", "present", "Now")

# Boilerplate below names no skill of the taxonomy (a test checks it), so it never adds a skill the gold lacks.
_BLURBS = (
    "{vendor} is a leading IT staffing and consulting firm serving enterprise clients across North America since "
    "2006. We place technology professionals on contract, contract-to-hire and permanent roles.",
    "Founded in 2011, {vendor} is a certified minority-owned workforce solutions company with delivery centers in "
    "several states and a network of thousands of technology professionals.",
    "{vendor} partners with large enterprises to deliver talent and project services. Our recruiters work closely "
    "with hiring managers to find people who fit both the role and the team.",
)
_BENEFITS = (
    "Benefits: medical, dental and vision insurance, paid time off, referral bonus and weekly payroll.",
    "What we offer: competitive pay, health benefits, paid holidays, and a dedicated account manager.",
)
_EEO = (
    "{vendor} is an Equal Opportunity Employer. All qualified applicants will receive consideration for employment "
    "without regard to race, color, religion, sex, sexual orientation, gender identity, national origin, disability "
    "or protected veteran status.",
    "We are an equal opportunity employer and value diversity at our company. We do not discriminate on the basis of "
    "race, religion, color, national origin, gender, age, marital status, veteran status or disability status.",
)
_LEGAL = ("CONFIDENTIALITY NOTICE: The information contained in this message is intended only for the use of the "
          "individual or entity named above. If the reader of this message is not the intended recipient, you are "
          "hereby notified that any dissemination, distribution or copying of this communication is strictly "
          "prohibited. Under Bill s.1618 Title III passed by the 105th U.S. Congress this mail cannot be considered "
          "spam as long as we include contact information and a method to be removed from our mailing list.")
_DUTIES = (
    "Design, develop and maintain applications used by business teams across the enterprise.",
    "Participate in design reviews and daily stand-ups; write clean, well documented code.",
    "Troubleshoot production issues and work with the support team to find what caused them.",
    "Collaborate with product owners and architects to refine requirements and estimates.",
    "Mentor junior team members and review their work.",
)
_REQ_SENTENCES = ("Strong hands-on experience with {x}", "Expert level {x}", "Must have worked on {x}",
                  "Solid {x} skills", "Experience building enterprise solutions with {x}", "Deep knowledge of {x}")
_NICE_SENTENCES = ("{x} is a plus", "Exposure to {x} is nice to have", "Knowledge of {x} preferred",
                   "Bonus if you know {x}", "{x} would be good to have")
# Misspellings of filler words only (never a title, skill, place or number): what rushed recruiters type.
TYPOS = {"requirement": "requirment", "experience": "experiance", "immediate": "immediete", "please": "pls",
         "position": "postion", "candidates": "candidtes", "consultant": "consulant", "looking": "lookng",
         "available": "availble", "Please": "Pls", "resume": "resum", "hands-on": "handson",
         "required": "requried", "opportunity": "oppurtunity", "communication": "comunication"}
_TYPO_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in TYPOS) + r")\b")


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def surface_rng(seed: int, what: str) -> random.Random:
    """The surface's own random source for a world seed (independent of every draw the world itself makes)."""
    return random.Random(int.from_bytes(hashlib.blake2b(f"surface:{what}:{seed}".encode(), digest_size=8).digest(),
                                        "big"))


def email_shape(rng: random.Random, variety: float) -> str:
    """'labelled' (today's templates) with probability 1 - variety * (1 - LABELLED_SHARE), else another shape.
    Always two draws, so the stream does not depend on the outcome."""
    u, pick = rng.random(), _weighted(rng, EMAIL_SHAPE_WEIGHTS)
    return pick if u < variety * (1.0 - LABELLED_SHARE) else "labelled"


# ------------------------------------------------------------------------------------------------ emails
def _join_skills(names: list[str], rng: random.Random) -> str:
    if len(names) == 1:
        return names[0]
    sep = _pick(rng, (", ", ", ", "/"))
    return sep.join(names[:-1]) + (" and " if sep == ", " else "/") + names[-1]


def _location_phrase(s: EmailSpec, rng: random.Random) -> str:
    if s.work_mode == "remote":
        tz = f" ({s.tz_label} hours)" if s.tz_label else ""
        return _pick(rng, (f"fully remote{tz}", f"100% remote{tz}", f"remote{tz}"))
    if s.work_mode == "onsite":
        return _pick(rng, (f"in {s.city}, {s.state} (onsite)", f"onsite in {s.city}, {s.state}",
                           f"in {s.city}, {s.state} - 5 days onsite"))
    return _pick(rng, (f"in {s.city}, {s.state} (hybrid, {s.hybrid_days} days onsite)",
                       f"hybrid in {s.city}, {s.state}, {s.hybrid_days} days a week in office"))


def _duration_phrase(s: EmailSpec, rng: random.Random) -> str | None:
    if not s.duration_text:
        return None
    if s.contract_type == "full_time":
        return _pick(rng, ("a full time permanent role", "a full time position with benefits"))
    if s.contract_type == "contract_to_hire":
        return _pick(rng, ("a 6 month contract to hire", "a contract to hire role (6 months, then conversion)"))
    if s.duration_months is None:
        return _pick(rng, ("a long term contract", "a long-term project"))
    m = f"{s.duration_months:.0f}"
    return _pick(rng, (f"a {m} month contract", f"a {m}+ month contract with possible extension",
                       f"{m} months initially"))


def _rate_phrase(s: EmailSpec, rng: random.Random) -> str | None:
    if s.rate_amount is None:
        return None
    if s.rate_unit == "year":
        return _rate_text(s, rng)
    terms = "/".join(s.terms)
    amount = _money(s.rate_amount)
    if s.rate_low is not None:
        return f"${_money(s.rate_low)} - ${amount}/hr {terms}"
    return _pick(rng, (f"${amount}/hr {terms}", f"Up to ${amount} an hour on {terms}", f"{amount}/hr on {terms}",
                       f"${amount} per hour ({terms})", f"${amount}/hour {terms}"))


def _terms_phrase(s: EmailSpec) -> str:
    return "Full time" if s.terms == ["FTE"] else f"{'/'.join(s.terms)}"


def _logistics_sentences(s: EmailSpec, rng: random.Random) -> list[str]:
    out = []
    if s.min_years is not None:
        out.append(_pick(rng, (f"Looking for {s.min_years}+ years of overall experience.",
                               f"Candidates need at least {s.min_years} years of experience.",
                               f"Experience: {s.min_years}+ yrs.")))
    if s.visa_text:
        out.append(_pick(rng, (f"Visa: {s.visa_text}.", f"{s.visa_text} please.", f"Work authorization - {s.visa_text}.")))
    if s.client_text:
        out.append(_pick(rng, (f"The client is {s.client_text}.", f"End client: {s.client_text}.",
                               f"Client - {s.client_text}.")))
    if s.domain:
        out.append(f"{s.domain.title()} domain experience is preferred.")
    if s.start_text:
        out.append(_pick(rng, (f"Start: {s.start_text}.", f"Start date {s.start_text}.")))
    if s.external_id:
        out.append(_pick(rng, (f"Please mention Req# {s.external_id} when you submit.", f"Job ID: {s.external_id}",
                               f"(Ref {s.external_id})")))
    return out


def _greeting(rng: random.Random) -> str:
    return _pick(rng, ("Hi,", "Hello,", "Hi Partner,", "Good Morning,", "Hi Team,", "Dear Partners,", "Hey,"))


def _skill_sentences(s: EmailSpec, rng: random.Random, bullet: str = "") -> list[str]:
    lines = [bullet + _pick(rng, _REQ_SENTENCES).format(x=raw) + "." for _, raw in s.required]
    lines += [bullet + _pick(rng, _NICE_SENTENCES).format(x=raw) + "." for _, raw in s.nice]
    return lines


def _narrative(s: EmailSpec, rng: random.Random) -> str:
    req = [raw for _, raw in s.required]
    nice = [raw for _, raw in s.nice]
    opener = _pick(rng, ("We are looking for a", "Our client needs a", "We have an urgent need for a",
                         "I am looking for a", "Looking for a"))
    first = f"{opener} {s.title} {_location_phrase(s, rng)}"
    dur = _duration_phrase(s, rng)
    first += f" for {dur}." if dur else "."
    skills = _pick(rng, ("Must have {r}", "The must-haves are {r}", "You need strong {r}", "Key skills: {r}"))
    text = [first, skills.format(r=_join_skills(req, rng)) + (f"; {_join_skills(nice, rng)} is a plus." if nice
                                                              else ".")]
    rate = _rate_phrase(s, rng)
    text.append(f"{rate[0].upper()}{rate[1:]}." if rate else f"{_terms_phrase(s)}.")
    text += _logistics_sentences(s, rng)
    paragraphs = [" ".join(text[:2]), " ".join(text[2:])]
    if rng.random() < 0.5:
        paragraphs.append(_pick(rng, ("Please send your best profile with rate and availability.",
                                      "Share updated resume, rate and contact details if interested.")))
    return "\n".join([_greeting(rng), "", *"\n\n".join(paragraphs).split("\n")])


def _headline(s: EmailSpec, rng: random.Random) -> str:
    """Title on the first line with no label, then loose lines."""
    lines = [s.title.upper() if rng.random() < 0.3 else s.title]
    lines.append(_location_short(s) if rng.random() < 0.5 else _location_long(s, rng))
    dur = s.duration_text
    rate = _rate_phrase(s, rng)
    lines.append(" | ".join(x for x in (dur, rate or _terms_phrase(s)) if x))
    lines.append("")
    b = _pick(rng, ("- ", "* ", "• ", "o "))
    if rng.random() < 0.5:
        lines += _skill_sentences(s, rng, b)
    else:
        lines += [b + raw for _, raw in s.required]
        if s.nice:
            lines += ["", _pick(rng, ("Good to have:", "Plus:", "Desired")),
                      *(b + raw for _, raw in s.nice)]
    lines.append("")
    lines += _logistics_sentences(s, rng)
    return "\n".join(lines)


def _subject_only(s: EmailSpec, rng: random.Random) -> str:
    """The title is only in the subject: the body says 'this role'."""
    req = [raw for _, raw in s.required]
    lines = [_greeting(rng), "", _pick(rng, ("Please see the role in the subject line.",
                                             "Sharing the requirement below, details in the subject.",
                                             "Can you help with this one?"))]
    lines.append(f"It is {_location_phrase(s, rng)}" + (f", {_duration_phrase(s, rng)}." if s.duration_text else "."))
    lines.append(f"Needs {_join_skills(req, rng)}." + (
        f" Nice to have: {', '.join(raw for _, raw in s.nice)}." if s.nice else ""))
    rate = _rate_phrase(s, rng)
    lines.append(f"{rate}." if rate else f"{_terms_phrase(s)}.")
    lines += _logistics_sentences(s, rng)
    return "\n".join(lines)


def _table(s: EmailSpec, rng: random.Random) -> str:
    """Skills as a pipe- or tab-separated 'Skill | Years | Priority' table; logistics in sentences."""
    sep = _pick(rng, (" | ", "\t", " | "))
    lines = [_greeting(rng), "", f"{_pick(rng, ('Requirement', 'Position', 'Opening'))}: {s.title} - "
             f"{_location_short(s)}", ""]
    with_years = s.min_years is not None
    header = ["Skill", "Years", "Priority"] if with_years else ["Skill", "Priority"]
    lines.append(sep.join(header))
    if sep != "\t" and rng.random() < 0.5:
        lines.append(sep.join("-" * len(h) for h in header))
    for k, (_, raw) in enumerate(s.required):
        years = [f"{s.min_years if k == 0 else max(1, (s.min_years or 0) - 1 - k % 3)}+"] if with_years else []
        lines.append(sep.join([raw, *years, _pick(rng, ("Must", "Required", "Mandatory"))]))
    for _, raw in s.nice:
        lines.append(sep.join([raw, *(["-"] if with_years else []), _pick(rng, ("Nice to have", "Preferred"))]))
    lines.append("")
    if with_years:
        lines.append(f"Overall experience: {s.min_years}+ years.")
    dur = _duration_phrase(s, rng)
    rate = _rate_phrase(s, rng)
    lines.append(" ".join(x for x in ((f"This is {dur}." if dur else None), (f"{rate}." if rate else
                                                                             f"{_terms_phrase(s)}.")) if x))
    lines += [x for x in _logistics_sentences(s, rng) if not x.startswith(("Looking for", "Candidates", "Experience"))]
    return "\n".join(lines)


def _short(s: EmailSpec, rng: random.Random) -> str:
    """Three lines (what `_stated` keeps for this shape: no client, start or domain)."""
    req = ", ".join(raw for _, raw in s.required)
    rate = _rate_phrase(s, rng)
    line1 = f"{s.title} - {_location_short(s)}" + (f" (Req {s.external_id})" if s.external_id else "")
    line2 = f"{_pick(rng, ('Must have', 'Skills', 'Need'))}: {req}" + (
        f" (nice: {', '.join(raw for _, raw in s.nice)})" if s.nice else "") + (
        f" - {s.min_years}+ yrs" if s.min_years is not None else "")
    line3 = " - ".join(x for x in (rate or _terms_phrase(s), s.duration_text or None,
                                   f"{s.visa_text}" if s.visa_text else None) if x)
    return "\n".join([line1, line2, line3])


def _long(s: EmailSpec, rng: random.Random) -> str:
    vendor = s.sender.company
    lines = [_greeting(rng), "", _pick(rng, _BLURBS).format(vendor=vendor), "",
             f"We are hiring a {s.title} {_location_phrase(s, rng)}."]
    dur = _duration_phrase(s, rng)
    if dur:
        lines[-1] += f" This is {dur}."
    b = _pick(rng, ("- ", "• ", "* "))
    lines += ["", _pick(rng, ("Responsibilities:", "What you will do:", "Job Description:"))]
    lines += [b + d for d in rng.sample(_DUTIES, 3)]
    lines += ["", _pick(rng, ("Requirements:", "Qualifications:", "What you bring:"))]
    if s.min_years is not None:
        lines.append(f"{b}{s.min_years}+ years of professional experience.")
    lines += [b + _pick(rng, _REQ_SENTENCES).format(x=raw) + "." for _, raw in s.required]
    if s.nice:
        lines += ["", _pick(rng, ("Preferred:", "Nice to have:", "Bonus points:"))]
        lines += [b + _pick(rng, _NICE_SENTENCES).format(x=raw) + "." for _, raw in s.nice]
    lines += [""]
    rate = _rate_phrase(s, rng)
    lines.append(f"Compensation: {rate}" if rate else f"Employment type: {_terms_phrase(s)}")
    lines += [x for x in _logistics_sentences(s, rng) if not x.startswith(("Looking for", "Candidates", "Experience"))]
    lines += ["", _pick(rng, _BENEFITS), "", _pick(rng, _EEO).format(vendor=vendor)]
    return "\n".join(lines)


_BODIES = {"narrative": _narrative, "headline": _headline, "short": _short, "long": _long, "table": _table,
           "subject_only": _subject_only}


def _subject(s: EmailSpec, shape: str, rng: random.Random) -> str:
    loc = _location_short(s)
    if shape == "subject_only":
        return _pick(rng, (f"{s.title} - {loc}", f"Need {s.title} || {loc}", f"{s.title} ({loc})",
                           f"Urgent: {s.title}"))
    return _pick(rng, (f"{s.title} - {loc}", f"Requirement: {s.title}", f"New req - {s.title}",
                       "Hot requirement - please share profiles", f"Immediate need || {s.title}",
                       f"{s.title} opening", f"RE: {s.title}", "Urgent requirement"))


def _stated(s: EmailSpec, shape: str, rng: random.Random) -> EmailSpec:
    """The spec restricted to what this shape states (omitted fields None / empty), so gold_of() reports them absent."""
    drop = 0.85 if shape == "short" else OPTIONAL_DROP_P
    changes: dict = {}
    optional = {"external_id": {"external_id": None}, "client": {"client_text": None, "end_client": None},
                "start": {"start_text": None, "start_date": None}, "domain": {"domain": None},
                "visa": {"visa_text": None, "visa_list": []}}
    for fields in optional.values():
        if rng.random() < drop:
            changes.update(fields)
    if shape == "short":
        changes.update(client_text=None, end_client=None, start_text=None, start_date=None, domain=None)
        if rng.random() < 0.5:
            changes.update(min_years=None)
        if rng.random() < 0.4:
            changes.update(rate_amount=None, rate_low=None)
        if s.contract_type == "contract" and rng.random() < 0.5:
            changes.update(duration_months=None, duration_text="")
    # the vendor's "DOE" and "Long term" say nothing: leave them out of the prose
    if s.rate_amount is None:
        changes.update(rate_low=None)
    return dataclasses.replace(s, **changes) if changes else s


def _apply_typos(text: str, rng: random.Random, keep: list[str]) -> str:
    out = _TYPO_RE.sub(lambda m: TYPOS[m.group(1)] if rng.random() < 0.6 else m.group(1), text)
    return out if all(k in out for k in keep) else text


def _one_line(text: str) -> str:
    return "  ".join(line.strip() for line in text.splitlines() if line.strip())


def render_varied(s: EmailSpec, shape: str, rng: random.Random) -> RenderedEmail:
    """One raw RFC 822 message for a requirement copy in a non-labelled `shape`, with its gold."""
    stated = _stated(s, shape, rng)
    body = _BODIES[shape](stated, rng)
    subject = _subject(stated, shape, rng)
    noise = [k for k, p in EMAIL_NOISE_P.items() if rng.random() < p]
    gold = gold_of(stated)
    keep = [r for _, r in stated.required + stated.nice] + [x for x in (stated.title, stated.external_id,
                                                                         stated.client_text, stated.city) if x]
    if "typos" in noise:
        body = _apply_typos(body, rng, keep)
    signature = _signature(s.sender, rng)
    if "disclaimer" in noise:
        signature += "\n\n" + _LEGAL
    body = f"{body}\n\n{signature}"
    if "forwarded" in noise:
        fwd = s.inner_sender or s.sender
        sent: datetime = s.received_at - timedelta(minutes=5 + int(rng.random() * 300))
        body = "\n".join([_pick(rng, ("Team, please work on this.", "FYI", "Pls check and submit.")), "",
                          f"{s.sender.name}", "", "-----Original Message-----",
                          f"From: {fwd.name} [mailto:{fwd.email}]", f"Sent: {sent.strftime('%A, %B %d, %Y %I:%M %p')}",
                          f"To: {s.sender.email}", f"Subject: {subject}", "", body])
        subject = f"{_pick(rng, ('FW', 'Fwd', 'FWD'))}: {subject}"
    if "one_line" in noise:
        body = _one_line(body)
    gold["format"] = shape
    gold["noise"] = noise
    raw = _assemble(_headers(s.sender, s.to_addr, subject, s.received_at, s.message_id), [_text_part(body)])
    return RenderedEmail(raw=raw, subject=subject, from_addr=s.sender.email, body_text=body, gold=gold,
                         content_hash=hashlib.sha256(raw).hexdigest())


# ------------------------------------------------------------------------------------------------ resumes
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def format_date(year: int, month: int, style: str) -> str:
    if style == "mm/yyyy":
        return f"{month:02d}/{year}"
    if style == "Mon yyyy":
        return f"{_MONTHS[month - 1]} {year}"
    if style == "Month yyyy":
        return f"{_MONTHS_LONG[month - 1]} {year}"
    if style == "yyyy-mm":
        return f"{year}-{month:02d}"
    return str(year)


def _date_range(start: tuple[int, int], end: tuple[int, int] | None, style: str, rng: random.Random) -> str:
    a = format_date(*start, style)
    b = _pick(rng, PRESENT_WORDS) if end is None else format_date(*end, style)
    sep = _pick(rng, (" - ", " – ", " to ", "–", " -- "))
    if style == "yyyy" and sep == " to ":
        sep = "–"
    return f"{a}{sep}{b}"


def _career(rng: random.Random, as_of_year: int, as_of_month: int, years: float, n_jobs: int):
    """(start, end) (year, month) pairs, most recent first (end None: current), covering the stated years."""
    total = max(round(years * 12), n_jobs * 6)
    cuts = sorted(rng.sample(range(3, total - 2), n_jobs - 1))
    bounds = [0, *cuts, total]                       # months back from now
    now = as_of_year * 12 + as_of_month - 1
    spans = []
    for k in range(n_jobs):
        start, stop = now - bounds[k + 1], now - bounds[k] - 1
        spans.append(((start // 12, start % 12 + 1), None if k == 0 else (stop // 12, stop % 12 + 1)))
    return spans


_SKILL_SENTENCES = ("Built and maintained {d} applications using {a} and {b}.", "Worked extensively with {a}, {b}.",
                    "Used {a} together with {b} to deliver {d} projects on schedule.",
                    "Designed components with {a}; automated deployments around {b}.",
                    "Hands-on with {a} and {b} in production.", "Delivered features using {a} for {d} users.")


def _skill_sentence_lines(raws: list[str], domains: tuple[str, ...], rng: random.Random) -> list[str]:
    out = []
    i = 0
    while i < len(raws):
        a = raws[i]
        b = raws[i + 1] if i + 1 < len(raws) else None
        tpl = _pick(rng, _SKILL_SENTENCES) if b else _pick(rng, ("Strong background in {a}.",
                                                                "Also experienced with {a}."))
        if b and "{b}" not in tpl:
            tpl += " Also used {b}."
        out.append(tpl.format(a=a, b=b, d=_pick(rng, domains) if domains else "enterprise"))
        i += 2
    return out


def render_resume(rng: random.Random, *, name: str, title: str, city: str, state: str, visa: str, years: float,
                  raws: list[tuple[str, str, float, bool]], domains: tuple[str, ...], clients: list[str],
                  metros: list[tuple[str, str]], degree: str, as_of_year: int, as_of_month: int) -> tuple[str, dict]:
    """A varied resume that states name, title, city/state, visa, years and every listed skill (its raw
    spelling), and the shape it was written in."""
    sectionless = rng.random() < RESUME_SECTIONLESS_P
    skills_style = _weighted(rng, RESUME_SKILLS_WEIGHTS)
    title_style = _weighted(rng, RESUME_TITLE_WEIGHTS)
    length = _weighted(rng, RESUME_LENGTH_WEIGHTS)
    date_style = _pick(rng, DATE_STYLES)
    one_line = rng.random() < RESUME_ONE_LINE_P
    yrs = int(years)
    names = [r for _, r, _, _ in raws]
    if skills_style == "shuffled":
        names = rng.sample(names, len(names))
    loc = f"{city}, {state}"
    visa_phrase = _pick(rng, (f"Work authorization: {visa}", f"Visa: {visa}", f"Visa Status: {visa}",
                              f"{visa} - authorized to work in the US"))
    lines: list[str] = []
    display = name.upper() if rng.random() < 0.5 else name
    if title_style == "name_line":
        lines.append(f"{display} - {title}")
        lines.append(f"{loc} | {visa_phrase}")
    elif title_style == "second_line":
        lines += [display, f"{title} | {loc}", visa_phrase]
    elif title_style == "headline":
        lines += [display, f"{loc} | {visa_phrase}", "", f"{_pick(rng, ('Headline', 'Profile', 'Objective'))}: "
                  f"{title} with {yrs}+ years of experience"]
    else:  # sentence: the title only in the opening sentence
        lines += [display, f"{loc} | {visa_phrase}"]
    lines.append("")
    h = (lambda t: []) if sectionless else (lambda t: [_pick(rng, (t.upper(), t.title(), f"{t.title()}:"))])
    summary = []
    opener = _pick(rng, (f"{title} with {yrs}+ years of IT experience.",
                         f"Experienced {title} with over {yrs} years in software delivery.",
                         f"{yrs} years of experience as a {title}."))
    summary.append(opener)
    if skills_style == "sentences":
        summary += _skill_sentence_lines(names[:2], domains, rng)
    elif length != "short":
        summary.append(f"Worked on {', '.join(domains[:2]) or 'enterprise'} projects for large clients; comfortable "
                       "with onshore/offshore delivery.")
    lines += h("Professional Summary")
    lines += (summary if sectionless else [f"{_pick(rng, ('• ', '- ', ''))}{s}" for s in summary])
    lines.append("")
    rest = names[2:] if skills_style == "sentences" else []
    if skills_style in ("list", "shuffled"):
        lines += h("Technical Skills")
        if sectionless:
            lines.append(f"{_pick(rng, ('Skills', 'Technologies', 'Tools'))}: {', '.join(names)}")
        else:
            lines.append(_pick(rng, (", ", " | ", "; ")).join(names))
        lines.append("")
    elif skills_style == "table":
        lines += h("Technical Skills")
        sep = _pick(rng, (" | ", "\t"))
        lines.append(sep.join(("Skill", "Years")))
        for _, raw, sy, _ in raws:
            lines.append(sep.join((raw, f"{sy:.0f}")))
        lines.append("")
    n_jobs = {"short": 1, "normal": 2 + int(rng.random() * 2), "long": 4 + int(rng.random() * 2)}[length]
    n_jobs = max(1, min(n_jobs, max(1, int(years))))
    spans = _career(rng, as_of_year, as_of_month, years, n_jobs)
    lines += h(_pick(rng, ("Professional Experience", "Work History", "Experience")))
    per_job = [rest[k::n_jobs] for k in range(n_jobs)]
    for k, (start, end) in enumerate(spans):
        client = clients[k % len(clients)]
        mc, ms = metros[k % len(metros)]
        dates = _date_range(start, end, date_style, rng)
        if sectionless:
            para = f"From {dates} I worked at {client} in {mc}, {ms} as {title if k == 0 else 'a team member'}."
            if k == 0 and title_style == "sentence":
                para = f"Currently a {title} at {client} ({mc}, {ms}), {dates}."
            bullets = _skill_sentence_lines(per_job[k], domains, rng) if per_job[k] else []
            para += " " + " ".join([*bullets, _pick(rng, ("Improved reliability of key workloads.", "Supported releases and production issues."))])
            lines += [para, ""]
        else:
            style = int(rng.random() * 3)
            role = title if k == 0 else _pick(rng, (title, "Software Engineer", "Consultant"))
            if style == 0:
                lines += [f"Client: {client}, {mc}, {ms}    {dates}", f"Role: {role}"]
            elif style == 1:
                lines += [f"{client} - {mc}, {ms}", f"{role} | {dates}"]
            else:
                lines += [f"{role}, {client} ({dates})", f"{mc}, {ms}"]
            bullets = _skill_sentence_lines(per_job[k], domains, rng)
            bullets.append(_pick(rng, ("Improved reliability and performance of key workloads.",
                                       "Worked with business analysts and testers to close defects quickly.",
                                       "Supported production releases and on-call rotations.")))
            if length == "long":
                bullets.append(_pick(rng, _DUTIES))
            lines += [f"• {b}" for b in bullets] + [""]
    lines += [*h("Education"), degree]
    if length == "long":
        lines += ["", *h("Languages"), "English (fluent)"]
    text = "\n".join(lines)
    if one_line:
        text = _one_line(text)
    return text, {"sectionless": sectionless, "skills": skills_style, "title": title_style, "length": length,
                  "dates": date_style, "one_line": one_line}
