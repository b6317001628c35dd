"""The offline resume extractor: contact lines, titles, skills with years, total experience, location, visa, rate
expectation and availability."""

from __future__ import annotations

import re

from ml.extraction.gazetteer import find_skills
from ml.extraction.patterns import YEARS_RE, find_city_state, find_date, find_rate, find_visas, labelled_lines
from ml.extraction.requirement import CONF_FREE, CONF_LABEL, ROLE_RE, _ev
from ml.extraction.schemas import Evidence, ExtractedSkill, Location, Rate, ResumeExtraction
from ml.normalize.geo import geocode
from ml.normalize.rates import to_hourly_usd

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}")  # bounded: no backtracking blow-up
PHONE_RE = re.compile(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b")
NAME_RE = re.compile(r"^\s*([A-Z][a-zA-Z'\-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-zA-Z'\-]+){1,2})\s*$")
TOTAL_YEARS = re.compile(r"(?P<a>\d{1,2})(?:\.\d)?\s*\+?\s*(?:years?|yrs?)\s*(?:of\s+)?(?:total\s+|overall\s+|"
                         r"professional\s+|it\s+|industry\s+)*(?:experience|exp)", re.IGNORECASE)
MAX_RESUME_CHARS = 40_000
VISA_INLINE = re.compile(r"\b(?:work\s*authori[sz]ation|visa(?:\s*status)?|immigration\s*status)\s*[:\-–]\s*"
                         r"(?P<v>[^\n|;]{2,60})", re.IGNORECASE)
AVAILABLE = re.compile(r"\b(available|availability|can start|notice period)\b[^\n]*", re.IGNORECASE)


SKILLS_HEADING = re.compile(r"^\s*[*#•\-]*\s*(technical\s+skills|skills|skill\s*set|core\s+competencies|technologies|"
                            r"technical\s+expertise|tools(\s+and\s+technologies)?|key\s+skills|tech\s+stack)\s*:?\s*(?P<rest>.*)$",
                            re.IGNORECASE)
SECTION_HEADING = re.compile(r"^\s*([A-Z][A-Z &/]{3,40}|[A-Z][A-Za-z &/]{3,40}:)\s*$")


def _skill_sections(text: str) -> list[tuple[int, int]]:
    """Character ranges of the resume's skills sections ("TECHNICAL SKILLS" up to the next heading)."""
    ranges: list[tuple[int, int]] = []
    pos = 0
    start: int | None = None
    for line in text.splitlines(keepends=True):
        m = SKILLS_HEADING.match(line.rstrip("\n"))
        if m:
            if start is not None:
                ranges.append((start, pos))
            start = pos
        elif start is not None and SECTION_HEADING.match(line.rstrip("\n")):
            ranges.append((start, pos))
            start = None
        pos += len(line)
    if start is not None:
        ranges.append((start, pos))
    return ranges


def extract_resume(text: str) -> ResumeExtraction:
    text = (text or "")[:MAX_RESUME_CHARS]  # a resume is a few pages; bounds the regex work on pasted garbage
    evidence: dict[str, Evidence] = {}
    labels = labelled_lines(text)
    name = None
    pos = 0
    for line in text.splitlines(keepends=True)[:8]:
        m = NAME_RE.match(line)
        if m and not ROLE_RE.search(line) and not find_city_state(line):
            name = m.group(1).title() if m.group(1).isupper() else m.group(1)  # "OLGA KRISHNAN" -> "Olga Krishnan"
            evidence["full_name"] = _ev(CONF_FREE, "body", (pos + m.start(1), pos + m.end(1)))
            break
        pos += len(line)
    email_m = EMAIL_RE.search(text)
    if email_m:
        evidence["email"] = _ev(CONF_LABEL, "body", email_m.span())
    phone_m = PHONE_RE.search(text)
    if phone_m:
        evidence["phone"] = _ev(CONF_LABEL, "body", phone_m.span())
    titles: list[str] = []
    pos = 0
    for line in text.splitlines(keepends=True)[:40]:
        stripped = line.strip(" \t\n*•-|")
        lab = next((lab for lab in labels if lab.field == "title" and lab.line_start == pos), None)
        candidate = lab.value if lab else stripped
        if ROLE_RE.search(candidate) and len(candidate) <= 60 and not EMAIL_RE.search(candidate) and (
                lab or (len(candidate.split()) <= 6 and not candidate.endswith("."))):
            clean = re.sub(r"\s*[-–|@,].*$", "", candidate).strip()
            if clean and clean not in titles:
                titles.append(clean)
                evidence.setdefault("titles", _ev(CONF_FREE, "body", (pos, pos + len(line.rstrip()))))
        pos += len(line)
    skills: dict[str, ExtractedSkill] = {}
    sections = _skill_sections(text)
    for hit in find_skills(text):
        # A resume with a skills section states its skills there; the same words in the summary ("Agile sprints")
        # or the title are context, not claims (the same convention as requirements, ADR 0004).
        if sections and not any(a <= hit.start < b for a, b in sections):
            continue
        tail = text[hit.end:hit.end + 24]
        years_m = re.match(r"\s*(?:\(|-|–|:)?\s*(\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)", tail, re.IGNORECASE)
        if hit.canonical in skills:
            if years_m and skills[hit.canonical].years is None:  # "Java (10 years)" after a bare title mention
                skills[hit.canonical] = skills[hit.canonical].model_copy(update={"years": float(years_m.group(1))})
            continue
        if hit.canonical not in skills:
            skills[hit.canonical] = ExtractedSkill(raw=hit.raw, canonical=hit.canonical, required=True,
                                                   years=float(years_m.group(1)) if years_m else None,
                                                   evidence=_ev(CONF_FREE, "body", (hit.start, hit.end)))
    total = None
    m = TOTAL_YEARS.search(text) or YEARS_RE.search(text)
    if m:
        total = float(m.group("a"))
        evidence["total_years"] = _ev(CONF_FREE, "body", m.span())
    loc = Location()
    place = next((find_city_state(lab.value) for lab in labels if lab.field == "location"), None) or find_city_state(text)
    if place:
        point = geocode(place.city, place.state)
        loc = Location(city=place.city, state=place.state, lat=point.lat if point else None,
                       lon=point.lon if point else None, timezone=point.timezone if point else None)
        evidence["location"] = _ev(CONF_FREE, "body", (place.start, place.end))
    visa = None
    visa_lab = next((lab for lab in labels if lab.field == "visa"), None)
    inline = VISA_INLINE.search(text)  # "Dallas, TX | Work authorization: H1B"
    value, off = (visa_lab.value, visa_lab.start) if visa_lab else (
        (inline.group("v"), inline.start("v")) if inline else (text, 0))
    accepted, _, spans = find_visas(value)
    if value is text and "TN" in accepted and re.search(r"[A-Za-z]\s*,\s*TN\b", text):
        accepted = [v for v in accepted if v != "TN"]  # Tennessee, not the TN visa
    if accepted and (visa_lab or inline or re.search(r"visa|work auth|status|citizen|green card", text, re.I)):
        visa = accepted[0]
        evidence["visa_status"] = _ev(CONF_LABEL if visa_lab else CONF_FREE, "body",
                                      (off + spans[0][0], off + spans[0][1]) if spans else None)
    rate = None
    rate_lab = next((lab for lab in labels if lab.field == "rate"), None)
    hit = find_rate(rate_lab.value, labelled=True) if rate_lab else None
    if hit:
        rate = Rate(amount=hit.amount, unit=hit.unit, hourly_usd=to_hourly_usd(hit.amount, hit.unit))  # type: ignore[arg-type]
        evidence["rate_expectation"] = _ev(CONF_LABEL, "body", (rate_lab.start + hit.start, rate_lab.start + hit.end))  # type: ignore[union-attr]
    available = None
    avail_m = AVAILABLE.search(text)
    if avail_m:
        available, span = find_date(avail_m.group(0))
        if available and span:
            evidence["available_from"] = _ev(CONF_FREE, "body", (avail_m.start() + span[0], avail_m.start() + span[1]))
    return ResumeExtraction(
        full_name=name, email=email_m.group(0) if email_m else None, phone=phone_m.group(0) if phone_m else None,
        titles=titles[:5], skills=list(skills.values()), total_years=total, location=loc,
        visa_status=visa, rate_expectation=rate, available_from=available, evidence=evidence,  # type: ignore[arg-type]
    )
