"""Regexes and small parsers for the fields vendors write in free text: rate, duration, visa, experience, work mode,
location. Each parser returns the value with the character span it came from, so evidence can point at the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ml.normalize.geo import geocode, state_names, us_states

# ------------------------------------------------------------------------------------------------- labelled lines
LABELS: dict[str, tuple[str, ...]] = {
    "title": ("role", "position", "job title", "title", "job role", "position title", "designation", "job position",
              "role name", "opening", "requirement"),
    "location": ("location", "work location", "job location", "loc", "locations", "city", "place"),
    "duration": ("duration", "contract duration", "length", "project duration", "contract length", "term"),
    "rate": ("rate", "pay rate", "bill rate", "compensation", "salary", "pay", "budget", "max rate", "rate range",
             "hourly rate", "salary range", "base salary", "comp"),
    "visa": ("visa", "visa status", "work authorization", "work auth", "visa type", "visa types", "eligibility",
             "visas", "visa requirement", "work authorisation", "authorization", "visa accepted"),
    "client": ("client", "client name", "direct client", "customer"),
    "end_client": ("end client", "end-client", "endclient", "ultimate client"),
    "vendor": ("vendor", "prime vendor", "implementation partner", "ip", "msp"),
    "external_id": ("req#", "req #", "req id", "requirement id", "job id", "job #", "job code", "position id",
                    "req no", "req number", "jd id", "reference", "ref"),
    "experience": ("experience", "exp", "years of experience", "total experience", "yoe", "experience required",
                   "min experience", "minimum experience"),
    "type": ("job type", "employment type", "type", "position type", "tax terms", "terms", "engagement",
             "contract type", "employment", "hire type"),
    "start": ("start date", "start", "project start", "start by"),
    "work_mode": ("work mode", "work type", "onsite/remote", "remote", "mode", "workplace type", "work model",
                  "work arrangement"),
    "required_skills": ("skills", "must have", "must haves", "must-have", "must have skills", "mandatory skills",
                        "required skills", "primary skills", "key skills", "tech stack", "technical skills",
                        "mandatory", "required", "requirements", "skill set", "skillset", "core skills",
                        "top skills", "technologies", "must"),
    "nice_skills": ("nice to have", "nice-to-have", "nice to haves", "preferred", "preferred skills", "good to have",
                    "desired", "desired skills", "secondary skills", "plus", "bonus", "optional", "nice to have skills",
                    "good to have skills", "added advantage", "pluses"),
    "domain": ("domain", "industry"),
}
_LABEL_INDEX = {lab: field for field, labs in LABELS.items() for lab in labs}
_LABEL_LINE = re.compile(r"^[ \t>*•\-]*\**([A-Za-z][A-Za-z /#&\-.']{0,32}?)\**\s*[:\-–=]\s*\**(.*)$")


@dataclass(frozen=True)
class Labelled:
    field: str
    value: str
    start: int  # span of the value in the text
    end: int
    line_start: int


def labelled_lines(text: str) -> list[Labelled]:
    out: list[Labelled] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        m = _LABEL_LINE.match(line.rstrip("\n"))
        if m:
            key = re.sub(r"\s+", " ", m.group(1).strip().lower().rstrip(".")).strip()
            # "Req# 24-10332" has no colon: handled by the external id regex.
            field = _LABEL_INDEX.get(key)
            if field:
                raw_value = m.group(2)
                value = raw_value.strip().strip("*").strip()
                vstart = offset + m.start(2) + (len(raw_value) - len(raw_value.lstrip())) + (
                    1 if raw_value.lstrip().startswith("*") else 0)
                out.append(Labelled(field, value, vstart, vstart + len(value), offset))
        offset += len(line)
    return out


# ------------------------------------------------------------------------------------------------- rate
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d{1,2})?)"
_HOUR = r"(?:/\s*h(?:ou)?r\b|/\s*h\b|\s*per\s*h(?:ou)?r\b|\s*an\s*hour\b|\s*/?\s*hourly\b|\s*ph\b|\s*p/h\b|\s*hrs?\b|\s*/hr\b)"
_YEAR = r"(?:\s*/\s*(?:yr|year|annum|annual)\b|\s*per\s*(?:year|annum)\b|\s*p\.?a\.?\b|\s*annually\b|\s*/\s*y\b|\s*a\s+year\b)"
_DAY = r"(?:\s*/\s*day\b|\s*per\s*day\b|\s*daily\b)"
_MONTH = r"(?:\s*/\s*(?:monthly|month|mo)\b|\s*per\s*month\b|\s*monthly\b)"
_K = r"(?P<k>\s*[kK]\b)?"
_RANGE_SEP = r"\s*(?:-|–|—|to)\s*"
RATE_RE = re.compile(
    rf"(?P<cur>\$|USD\s*|US\$)?\s*(?P<a>{_NUM}){_K}(?:{_RANGE_SEP}(?P<cur2>\$|USD\s*)?\s*(?P<b>{_NUM})(?P<k2>\s*[kK]\b)?)?"
    rf"(?P<unit>{_HOUR}|{_YEAR}|{_DAY}|{_MONTH})?",
    re.IGNORECASE,
)
RATE_POLICY = "upper"  # a range's upper bound is the budget a vendor can pay; see ADR 0004
NO_RATE = re.compile(r"\b(DOE|depends on experience|negotiable|competitive|market rate|open rate|best rate|TBD)\b",
                     re.IGNORECASE)


_NOT_PAY_AFTER = re.compile(r"(?:\s*(?:m|mm|mn|million|millions|b|bn|billion|billions|trillion)\b|(?:th|st|nd|rd)\b|"
                            r"\s*%|\s*percent|\s*x\b|\+?\s*(?:users|customers|employees|people|countries|cities)\b)",
                            re.IGNORECASE)


@dataclass(frozen=True)
class RateHit:
    amount: float
    unit: str
    start: int
    end: int
    explicit_unit: bool


def _num(value: str) -> float:
    return float(value.replace(",", ""))


def find_rate(text: str, *, labelled: bool = False) -> RateHit | None:
    """First plausible rate in `text`. Without a label, a bare number needs a `$` or a unit to count."""
    for m in RATE_RE.finditer(text):
        a = _num(m.group("a"))
        b = _num(m.group("b")) if m.group("b") else None
        k = bool(m.group("k")) or bool(m.group("k2"))
        unit_txt = (m.group("unit") or "").lower()
        has_cur = bool(m.group("cur") or m.group("cur2"))
        if not (has_cur or unit_txt or k or labelled):
            continue
        # Phone numbers, years, req ids: digits glued to other digits or dashes.
        before = text[m.start("a") - 1] if m.start("a") > 0 else " "
        if before.isdigit() or (before in "#-/." and not has_cur):
            continue
        # "$16M Series A", "$70Bn", "75th percentile", "40% equity": funding, ordinals and shares, not pay.
        if not unit_txt and _NOT_PAY_AFTER.match(text, m.end("b") if m.group("b") else m.end("a")):
            continue
        amount = max(a, b) if (b is not None and RATE_POLICY == "upper") else a
        if b is not None and b < a:
            amount = a
        if k:
            amount *= 1000
        if unit_txt:
            unit = ("hour" if re.search(r"h", unit_txt) and not re.search(r"month|annum", unit_txt) else
                    "year" if re.search(r"yr|year|annum|annual|p\.?a|/\s*y", unit_txt) else
                    "day" if "day" in unit_txt or "daily" in unit_txt else "month")
        elif amount >= 20000:
            unit = "year"
        elif 10 <= amount <= 400:
            unit = "hour"
        else:
            continue
        if unit == "hour" and not (10 <= amount <= 400):
            continue
        if unit == "year" and not (20000 <= amount <= 1_000_000):
            continue
        if unit == "day" and not (80 <= amount <= 4000):
            continue
        if unit == "month" and not (2000 <= amount <= 80000):
            continue
        return RateHit(amount=amount, unit=unit, start=m.start(), end=m.end(), explicit_unit=bool(unit_txt) or k)
    return None


TERMS_RE = re.compile(
    r"\b(?P<neg>no|not|non)?[\s-]*(?P<t>c2c|corp[\s-]*to[\s-]*corp|corp2corp|w[\s-]?2|1099|c2h)\b", re.IGNORECASE
)


def find_terms(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    negated: set[str] = set()
    for m in TERMS_RE.finditer(text):
        raw = m.group("t").lower().replace(" ", "").replace("-", "")
        term = {"c2c": "C2C", "corptocorp": "C2C", "corp2corp": "C2C", "w2": "W2", "1099": "1099"}.get(raw)
        if term is None:
            continue
        if m.group("neg"):
            negated.add(term)
            continue
        if term not in found:
            found.append(term)
            spans.append((m.start("t"), m.end("t")))
    keep = [(t, s) for t, s in zip(found, spans, strict=True) if t not in negated]
    return [t for t, _ in keep], [s for _, s in keep]


# ------------------------------------------------------------------------------------------------- visa
ALL_VISAS = ["USC", "GC", "GC-EAD", "H1B", "H4-EAD", "L2-EAD", "EAD", "OPT", "CPT", "STEM-OPT", "TN", "E3"]
_VISA_TOKENS: list[tuple[str, str]] = [
    (r"stem[\s-]*opt", "STEM-OPT"),
    (r"gc[\s-]*ead", "GC-EAD"),
    (r"h[\s-]?4[\s-]*ead", "H4-EAD"),
    (r"l[\s-]?2[\s-]*ead", "L2-EAD"),
    (r"u\.?s\.?\s*citizens?(?:hip)?|usc|citizens?", "USC"),
    (r"green[\s-]*card(?:\s*holders?)?|gc(?:\s*holders?)?|lpr|permanent\s+residents?", "GC"),
    (r"h[\s-]?1[\s-]?b?(?:\s*transfer)?|h1b", "H1B"),
    (r"ead", "EAD"),
    (r"opt", "OPT"),
    (r"cpt", "CPT"),
    (r"tn(?:\s*visa)?", "TN"),
    (r"e[\s-]?3", "E3"),
]
VISA_RE = re.compile(
    r"(?P<neg>\b(?:no|not|except|excluding|without|non|can'?t\s+do|cannot\s+do|can\s+not\s+do|"
    r"can'?t\s+accept|cannot\s+(?:accept|sponsor)|not\s+accepting)\b[\s:-]*(?:an?\s+)?)?\b(?P<v>"
    + "|".join(f"(?:{p})" for p, _ in _VISA_TOKENS) + r")\b",
    re.IGNORECASE,
)
ANY_VISA = re.compile(r"\b(any|all)\s+(visas?|work\s+authori[sz]ations?)\b|\bvisa\s*:\s*(any|all|open)\b",
                      re.IGNORECASE)
VISA_CONTEXT = re.compile(r"\b(visa|work\s*auth|authori[sz]ation|usc|gc|green\s*card|citizen|h[\s-]?1b|ead|opt|"
                          r"sponsor)", re.IGNORECASE)
NO_SPONSOR = re.compile(r"\b(no|not|cannot|can't|unable to|without)\b[^.\n]{0,20}\bsponsor", re.IGNORECASE)


def visa_label(token: str) -> str | None:
    for pattern, label in _VISA_TOKENS:
        if re.fullmatch(pattern, token.strip(), re.IGNORECASE):
            return label
    return None


def find_visas(text: str) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """(accepted, excluded, spans) in a visa-context text. A "no X" inside parentheses or after "no" excludes X;
    a list after "no" keeps excluding ("No H1B, OPT or CPT") until a non-visa word interrupts it."""
    accepted: list[str] = []
    excluded: list[str] = []
    spans: list[tuple[int, int]] = []
    negating = False
    last_end = -1
    for m in VISA_RE.finditer(text):
        label = visa_label(m.group("v"))
        if label is None:
            continue
        # "Req# OPT-13799-1", "Job ID: CPT-12": an id that happens to start like a visa.
        if re.match(r"-?\d", text[m.end("v"):m.end("v") + 2]) or text[max(0, m.start("v") - 2):m.start("v")].strip() in (
                "#", ":#"):
            continue
        gap = text[last_end:m.start()] if last_end >= 0 else ""
        if m.group("neg"):
            negating = True
        elif negating and not re.fullmatch(r"[\s,/&]*(or|and|nor)?[\s,/&]*", gap, re.IGNORECASE):
            negating = False
        last_end = m.end()
        if negating:
            if label not in excluded:
                excluded.append(label)
            continue
        if label not in accepted:
            accepted.append(label)
            spans.append((m.start("v"), m.end("v")))
    if NO_SPONSOR.search(text) and "H1B" not in accepted:
        excluded.append("H1B")
    if "OPT" in excluded and "STEM-OPT" not in accepted:
        excluded.append("STEM-OPT")  # STEM OPT is an OPT extension: "No OPT" rules it out too
    accepted = [v for v in accepted if v not in excluded]
    return accepted, excluded, spans


# ------------------------------------------------------------------------------------------------- durations, years
DURATION_RE = re.compile(
    r"(?P<a>\d{1,2})(?:\s*(?:-|–|to)\s*(?P<b>\d{1,2}))?\s*\+?\s*(?P<u>months?|mos?\b|mnths?|mths?|years?|yrs?|weeks?|wks?)\b"
    r"|(?P<lt>long[\s-]*term)",
    re.IGNORECASE,
)
YEARS_RE = re.compile(
    r"(?P<a>\d{1,2})(?:\.\d)?\s*(?:(?:-|–|to)\s*(?P<b>\d{1,2})\s*)?\+?\s*(?:\+\s*)?(?:years?|yrs?)\b", re.IGNORECASE
)


def duration_months(value: str, *, years_allowed: bool) -> tuple[float | None, tuple[int, int] | None]:
    for m in DURATION_RE.finditer(value):
        if m.group("lt"):
            continue
        a = float(m.group("a"))
        b = float(m.group("b")) if m.group("b") else None
        n = max(a, b) if b is not None else a
        unit = m.group("u").lower()
        if unit.startswith(("y",)):
            if not years_allowed:
                continue
            n *= 12
        elif unit.startswith("w"):
            n = round(n / 4.33, 1)
        if 0 < n <= 120:
            return n, (m.start(), m.end())
    return None, None


# ------------------------------------------------------------------------------------------------- location
_STATE_CODES = "|".join(sorted(us_states(), key=len, reverse=True))
_CITY = r"[A-Za-z][A-Za-z.'\-]{0,24}(?:\s+[A-Za-z][A-Za-z.'\-]{0,24}){0,3}"  # bounded: no quadratic backtracking
CITY_STATE_RE = re.compile(rf"(?P<city>{_CITY})(?:\s*,\s*|\s+)(?P<state>{_STATE_CODES})\b(?!\s*-?\s*\d{{3}})",
                           re.IGNORECASE)
CITY_STATENAME_RE = re.compile(
    rf"(?P<city>{_CITY})\s*,\s*(?P<state>" + "|".join(sorted((n.title() for n in state_names()), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
REMOTE_RE = re.compile(r"\b(remote|work from home|wfh|telecommute|100%\s*remote)\b", re.IGNORECASE)
REMOTE_NEG_RE = re.compile(
    r"\b(no|not|non)[\s-]*(remote|wfh)\b|\bremote\s*(work\s*)?(is\s*)?(not\s*(available|possible|allowed|an option)|"
    r"option\s*not)", re.IGNORECASE)
HYBRID_RE = re.compile(r"\bhybrid\b|\b\d\s*days?\s*(?:/\s*week|a\s*week|per\s*week|onsite|on-site|in\s*office)",
                       re.IGNORECASE)
ONSITE_RE = re.compile(r"\b(on[\s-]?site|onsite|in[\s-]office|on[\s-]?prem(?:ise)?s?\s*role|locals?\s+only|"
                       r"day\s*1\s*onsite|must\s+be\s+local|relocat\w*)\b", re.IGNORECASE)
TZ_RE = re.compile(r"\b(EST|EDT|ET|Eastern|CST|CDT|CT|Central|MST|MDT|MT|Mountain|PST|PDT|PT|Pacific)\b(?:\s*(time|hours|"
                   r"tz|time\s*zone))?")
TZ_NAMES = {"e": "America/New_York", "c": "America/Chicago", "m": "America/Denver", "p": "America/Los_Angeles"}
_STOP_CITY_WORDS = {"need", "needed", "urgent", "hiring", "for", "in", "at", "role", "position", "developer", "engineer",
                    "location", "onsite", "hybrid", "remote", "only", "locals", "local", "the", "a", "an", "and",
                    "or", "with", "from", "to", "of", "based", "candidates", "consultant", "near", "within", "job",
                    "lead", "architect", "analyst", "manager", "administrator", "admin", "tester", "sr", "jr",
                    "senior", "junior", "c2c", "w2", "contract", "months", "month", "day", "days", "week", "visa",
                    "must", "be", "client", "is", "are", "we", "have", "our", "your", "this", "that", "hi", "hello",
                    "team", "req", "requirement", "immediate", "immediately", "opening", "scientist", "specialist",
                    "architecture", "office", "hours", "cst", "est", "pst", "mst", "usc", "gc", "any"}


@dataclass(frozen=True)
class PlaceHit:
    city: str | None
    state: str | None
    start: int
    end: int


def find_city_state(text: str) -> PlaceHit | None:
    """First "City, ST" / "City, State" whose city exists in GeoNames (so "Need Java Developer, IN" does not pass)."""
    best: PlaceHit | None = None
    for regex, by_name in ((CITY_STATE_RE, False), (CITY_STATENAME_RE, True)):
        for m in regex.finditer(text, 0, best.start + 1 if best else len(text)):
            if best is not None and m.start() >= best.start:
                break
            state_raw = m.group("state")
            # Lower-case codes ("in", "or", "me") are English words; accept them only after a comma ("austin, tx").
            if not by_name and state_raw != state_raw.upper() and "," not in text[m.end("city"):m.start("state")]:
                continue
            state = state_raw.upper() if not by_name else state_names().get(state_raw.lower())
            words = m.group("city").split()
            # Try the longest tail of words that is a real city: "Need Java Developer Dallas" -> "Dallas".
            for n in range(min(4, len(words)), 0, -1):
                tail = words[-n:]
                if tail[0].lower().strip(".") in _STOP_CITY_WORDS:
                    continue
                city = " ".join(tail)
                point = geocode(city, state)
                if point is not None:
                    start = m.start("city") + len(m.group("city")) - len(city)
                    # Keep the name as written ("New York", not GeoNames' "New York City"), tidied; short
                    # all-caps forms ("NYC") take the gazetteer's name.
                    written = city if not city.isupper() else city.title()
                    name = point.city if (len(city) <= 3 and city.isupper()) else (
                        written if written[0].isupper() else written.title())
                    hit = PlaceHit(name, point.state, start, m.end("state"))
                    if best is None or hit.start < best.start:
                        best = hit
                    break
            if best is not None and not by_name:
                break  # the earliest "City, ST" wins; only a state *name* earlier than it could still beat it
    return best


def work_mode(text: str) -> tuple[str | None, tuple[int, int] | None]:
    neg = REMOTE_NEG_RE.search(text)
    hyb = HYBRID_RE.search(text)
    if hyb:
        return "hybrid", hyb.span()
    if neg:
        return "onsite", neg.span()
    rem = REMOTE_RE.search(text)
    ons = ONSITE_RE.search(text)
    if rem and ons:
        # "Remote (must be local to Dallas)" stays remote; "Onsite ... remote after 3 months" is hybrid-ish, but the
        # mode that comes first is the one the vendor leads with.
        return ("remote", rem.span()) if rem.start() < ons.start() else ("onsite", ons.span())
    if rem:
        return "remote", rem.span()
    if ons:
        return "onsite", ons.span()
    return None, None


def remote_timezone(text: str) -> str | None:
    m = TZ_RE.search(text)
    return TZ_NAMES[m.group(1)[0].lower()] if m else None


# ------------------------------------------------------------------------------------------------- dates
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
DATE_RE = re.compile(
    r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4})\b|\b(?P<y2>20\d\d)-(?P<m2>\d\d)-(?P<d2>\d\d)\b|"
    r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<d3>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<y3>20\d\d)\b",
    re.IGNORECASE,
)


def find_date(text: str) -> tuple[date | None, tuple[int, int] | None]:
    for m in DATE_RE.finditer(text):
        try:
            if m.group("m"):
                y = int(m.group("y"))
                y = y + 2000 if y < 100 else y
                return date(y, int(m.group("m")), int(m.group("d"))), m.span()
            if m.group("y2"):
                return date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))), m.span()
            return date(int(m.group("y3")), _MONTHS[m.group("mon")[:3].lower()], int(m.group("d3"))), m.span()
        except ValueError:
            continue
    return None, None
