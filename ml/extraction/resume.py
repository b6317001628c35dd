"""The offline resume extractor: contact lines, titles, skills with years, total experience, location, visa, rate
expectation and availability."""

from __future__ import annotations

import re
from datetime import date

from ml.extraction.patterns import YEARS_RE, find_city_state, find_date, find_rate, find_visas, labelled_lines
from ml.extraction.repair import Repaired, restore_line_breaks
from ml.extraction.requirement import CONF_FREE, CONF_LABEL, ROLE_RE, _ev
from ml.extraction.schemas import Evidence, ExtractedSkill, Location, Rate, ResumeExtraction, Span
from ml.extraction.titles import TITLE_NOUNS, cut_glue, leading_title, singular, title_ok
from ml.normalize.geo import geocode
from ml.normalize.rates import to_hourly_usd
from ml.taxonomy.gazetteer import find_skills

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


def _section_ranges(text: str, heading: re.Pattern[str], ends: tuple[re.Pattern[str], ...]) -> list[tuple[int, int]]:
    """Character ranges of the sections `heading` opens, each up to the next line matching one of `ends` (or the
    next section of the same kind)."""
    ranges: list[tuple[int, int]] = []
    pos, start = 0, None
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        if heading.match(body):
            if start is not None:
                ranges.append((start, pos))
            start = pos
        elif start is not None and any(end.match(body) for end in ends):
            ranges.append((start, pos))
            start = None
        pos += len(line)
    if start is not None:
        ranges.append((start, pos))
    return ranges


def _skill_sections(text: str) -> list[tuple[int, int]]:
    """Character ranges of the resume's skills sections ("TECHNICAL SKILLS" up to the next heading)."""
    return _section_ranges(text, SKILLS_HEADING, (SECTION_HEADING,))


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?"


def _date_part(n: int) -> str:
    return rf"(?:(?P<m{n}>\d{{1,2}})\s*[/.\-]\s*|(?P<m{n}s>\d{{1,2}})\s+|(?P<mon{n}>{_MON})\s*)?(?P<y{n}>(?:19|20)\d\d)(?!\d)"


# "05 2014toCurrent", "Jan 2019 - Mar 2021", "2014-2016", "10/2012 to Present": one job's dates.
DATE_RANGE = re.compile(rf"(?<!\d){_date_part(1)}\s*(?:to|-|–|—|until|through|thru)\s*(?:{_date_part(2)}|"
                        r"(?P<now>current|present|now|today|date|ongoing))", re.IGNORECASE)
# "Highly motivated Sales Associate with ...", "Seasoned Data Entry Operator with 5 years": a summary's headline.
SUMMARY_TITLE = re.compile(
    r"\b(?:motivated|experienced|seasoned|skilled|accomplished|dedicated|driven|oriented|certified|licensed|"
    r"talented|passionate|versatile|proven)[ \t]+(?P<t>(?:(?!and\b|with\b|in\b|of\b|who\b)"
    rf"[A-Za-z][\w+#./&-]*[ \t]+){{0,4}}?(?:{TITLE_NOUNS}))\b", re.IGNORECASE)
# "11 years analog design experience", "experience of 8 years", "over the past 11 years": a stated total, looser
# than TOTAL_YEARS, read only near the top (the summary) where it describes the whole career.
EXPERIENCE_YEARS = re.compile(r"(?P<a>\d{1,2})(?:\.\d)?\s*\+?\s*(?:years?|yrs?)\b[^.\n]{0,60}?\bexperience|"
                              r"\bexperience\s+of\s+(?:over\s+|more\s+than\s+)?(?P<b>\d{1,2})\s*\+?\s*(?:years?|yrs?)\b|"
                              r"\b(?:past|last)\s+(?P<c>\d{1,2})\s*\+?\s*(?:years?|yrs?)\b", re.IGNORECASE)
EDUCATION_HEADING = re.compile(r"^\s*[*#•\-]*\s*(education|academic|training|certifications?)[\w &]*:?\s*$", re.I)
CONTEXT_HEADING = re.compile(r"^\s*[*#•\-]*\s*(professional\s+|career\s+|executive\s+)?(summary|objective|profile|"
                             r"overview)\s*:?\s*$", re.IGNORECASE)
ANY_HEADING = re.compile(r"^\s*[*#•\-]*\s*([A-Z][A-Z &/]{3,40}|[A-Z][A-Za-z &/]{3,40}:?)\s*$")


def _month(m: re.Match[str], n: int) -> int:
    num = m.group(f"m{n}") or m.group(f"m{n}s")
    if num and 1 <= int(num) <= 12:
        return int(num)
    mon = m.group(f"mon{n}")
    return _MONTHS.index(mon[:3].lower()) + 1 if mon else 1


def date_ranges(text: str, today: date) -> list[tuple[int, int, re.Match[str]]]:
    """(start, end) as month numbers (year * 12 + month) of each plausible job date range, with its match."""
    out = []
    for m in DATE_RANGE.finditer(text):
        y1 = int(m.group("y1"))
        start = y1 * 12 + _month(m, 1)
        end = today.year * 12 + today.month if m.group("now") else int(m.group("y2")) * 12 + _month(m, 2)
        if 1950 <= y1 <= today.year and start <= end <= today.year * 12 + today.month and end - start <= 50 * 12:
            out.append((start, end, m))
    return out


def years_from_ranges(ranges: list[tuple[int, int, re.Match[str]]]) -> float | None:
    """Total years covered by job date ranges, overlaps counted once (two jobs at once are not two years)."""
    if not ranges:
        return None
    total, cur_start, cur_end = 0, None, None
    for start, end, _ in sorted(ranges, key=lambda r: r[0]):
        if cur_end is None or start > cur_end:
            if cur_end is not None and cur_start is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None and cur_start is not None:
        total += cur_end - cur_start
    years = round(total / 12, 1)
    return years if 0 < years <= 50 else None


def _context_ranges(text: str, heading: re.Pattern[str] | None = None) -> list[tuple[int, int]]:
    """Ranges of summary / objective / profile sections (up to the next heading): self-description, not claims.
    With `heading`, the ranges of the sections it opens instead (education)."""
    return _section_ranges(text, heading or CONTEXT_HEADING, (ANY_HEADING, SKILLS_HEADING))


def _remap(ev: Evidence, repaired: Repaired) -> Evidence:
    if ev.span is None:
        return ev
    return ev.model_copy(update={"span": Span(start=repaired.to_original(ev.span.start),
                                              end=repaired.to_original(ev.span.end))})


def extract_resume(text: str, *, today: date | None = None) -> ResumeExtraction:
    """Deterministic extraction of one resume. `today` ends "2019 - Present" ranges (default: the current date)."""
    today = today or date.today()
    text = (text or "")[:MAX_RESUME_CHARS]  # a resume is a few pages; bounds the regex work on pasted garbage
    # Resumes copied out of PDFs or web forms lose their line breaks ("SummaryHighly motivated ... HighlightsJava");
    # headings get their lines back first, and spans are mapped back to the caller's text at the end.
    repaired = restore_line_breaks(text)
    text = repaired.text
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
    title_lines: list[tuple[int, int]] = []  # lines that state a job title ("Role: Sr. Snowflake Developer")
    pos = 0
    for line in text.splitlines(keepends=True)[:40]:
        stripped = line.strip(" \t\n*•-|")
        lab = next((lab for lab in labels if lab.field == "title" and lab.line_start == pos), None)
        candidate = lab.value if lab else stripped
        if ROLE_RE.search(candidate) and len(candidate) <= 60 and not EMAIL_RE.search(candidate) and (
                lab or (len(candidate.split()) <= 6 and not candidate.endswith("."))):
            clean = re.sub(r"\s*[-–|@,].*$", "", cut_glue(candidate)).strip()
            if clean:
                title_lines.append((pos, pos + len(line)))
            if clean and clean not in titles:
                titles.append(clean)
                evidence.setdefault("titles", _ev(CONF_FREE, "body", (pos, pos + len(line.rstrip()))))
        pos += len(line)
    # Job entries: "05 2014toCurrentSoftware Engineer of IoT Cloud...", "Jan 2019 - Present  Senior Developer".
    # The title right after a date range on the same line, most recent job first.
    # Study years are not work years: ranges inside an education section do not count.
    education = _context_ranges(text, EDUCATION_HEADING)
    ranges = [r for r in date_ranges(text, today) if not any(a <= r[2].start() < b for a, b in education)]
    dated: list[tuple[int, str, int, int]] = []
    for start, end, m in ranges:
        line_end = text.find("\n", m.end())
        rest = text[m.end(): line_end if line_end >= 0 else len(text)]
        lead = len(rest) - len(rest.lstrip(" \t|,-–:"))
        span = leading_title(rest[lead:lead + 160])
        if span:
            dated.append((end * 10_000 + start, singular(rest[lead + span[0]:lead + span[1]]),
                          m.end() + lead + span[0], m.end() + lead + span[1]))
    for _, title, a, b in sorted(dated, key=lambda d: -d[0]):
        if title.lower() not in {t.lower() for t in titles}:
            titles.append(title)
            evidence.setdefault("titles", _ev(CONF_FREE, "body", (a, b)))
    if not titles:
        m = SUMMARY_TITLE.search(text[:3000])
        if m and title_ok(m.group("t")):
            titles.append(singular(m.group("t").strip()))
            evidence["titles"] = _ev(CONF_FREE - 0.1, "body", m.span("t"))
    if not titles:
        # A summary that opens with the headline: "Electrical Maintenance Engineer and dedicated team player ...".
        for a, _b in _context_ranges(text)[:1]:
            first = text.find("\n", a) + 1
            span = leading_title(text[first:first + 200]) if first > 0 else None
            if span:
                titles.append(singular(text[first + span[0]:first + span[1]]))
                evidence["titles"] = _ev(CONF_FREE - 0.1, "body", (first + span[0], first + span[1]))
    skills: dict[str, ExtractedSkill] = {}
    sections = _skill_sections(text)
    # With a skills section, the summary's words ("Agile sprints") and the headline are context, not claims (the
    # convention of ADR 0004); skills named in the experience entries are claims wherever they are.
    context = [*_context_ranges(text), *title_lines] if sections else []
    headline_end = sum(len(line) for line in text.splitlines(keepends=True)[:3]) if sections else 0
    for hit in find_skills(text):
        if sections and not any(a <= hit.start < b for a, b in sections) and (
                hit.start < headline_end or any(a <= hit.start < b for a, b in context)):
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
    m = TOTAL_YEARS.search(text) or EXPERIENCE_YEARS.search(text[:1500])
    from_ranges = years_from_ranges(ranges) if m is None else None
    if from_ranges is not None:
        # No "N years of experience" phrase: the span of the dated jobs (overlaps once) says it.
        total = from_ranges
        evidence["total_years"] = _ev(CONF_FREE - 0.1, "inferred", None)
    else:
        m = m or YEARS_RE.search(text)
        figure = next((g for g in (m.group(k) for k in ("a", "b", "c") if k in m.re.groupindex) if g), None) if m \
            else None
        if m and figure and 0 < float(figure) <= 60:
            total = float(figure)
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
    if repaired.inserted:
        evidence = {k: _remap(v, repaired) for k, v in evidence.items()}
        skills = {k: v.model_copy(update={"evidence": _remap(v.evidence, repaired)}) for k, v in skills.items()}
    return ResumeExtraction(
        full_name=name, email=email_m.group(0) if email_m else None, phone=phone_m.group(0) if phone_m else None,
        titles=list(dict.fromkeys(" ".join(t.split()) for t in titles))[:5], skills=list(skills.values()), total_years=total, location=loc,
        visa_status=visa, rate_expectation=rate, available_from=available, evidence=evidence,  # type: ignore[arg-type]
    )
