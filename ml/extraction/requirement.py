"""The offline, deterministic requirement extractor: labelled lines first ("Rate: $68/hr"), then the subject's
segments ("Sr. Data Engineer || Austin, TX (Hybrid) || 12+ Months || C2C"), then free text. Every field records the
span it came from and a confidence that reflects which of those three places it was found in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.extraction.classifier import classify_message
from ml.extraction.patterns import (
    ALL_VISAS,
    ANY_VISA,
    NO_RATE,
    VISA_CONTEXT,
    YEARS_RE,
    Labelled,
    duration_months,
    find_city_state,
    find_date,
    find_rate,
    find_terms,
    find_visas,
    labelled_lines,
    remote_timezone,
    work_mode,
)
from ml.extraction.repair import Repaired, restore_line_breaks
from ml.extraction.schemas import Evidence, ExtractedSkill, Location, Rate, RequirementExtraction, Span
from ml.extraction.titles import TITLE_NOUN_RE, first_line_title, singular, title_ok
from ml.normalize.geo import geocode
from ml.normalize.rates import to_hourly_usd
from ml.taxonomy.gazetteer import find_skills

CONF_LABEL, CONF_SUBJECT, CONF_FREE, CONF_INFERRED = 0.95, 0.85, 0.7, 0.5
MAX_TEXT_CHARS = 20_000
MAX_SUBJECT_CHARS = 400

ROLE_NOUNS = (r"developer|engineer|architect|analyst|administrator|admin|lead|manager|consultant|tester|scientist|"
              r"specialist|designer|dba|sdet|programmer|scrum master|product owner|owner|qa|coordinator|director|"
              r"modeler|modeller|expert|sme|devops|support|technician|associate|officer|steward|strategist|"
              r"business analyst|full\s*stack|fullstack")
ROLE_RE = re.compile(rf"\b({ROLE_NOUNS})s?\b", re.IGNORECASE)
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd)\s*:\s*)*(?:\W*(?:urgent|immediate|hot|asap|direct client|new|priority)\w*\s*"
    r"(?:need|needs|requirement|req|opening|position|role|hiring)?\s*(?:for|of)?\s*[:!\-–|]*\s*)*"
    r"(?:(?:need|needed|hiring[!\s]*|looking for|requirement for|requirement|req|job opening|opening for|opening|"
    r"position|role|urgent need)\s*(?:for|of)?\s*(?:an?\s+)?[:\-–]?\s*)?",
    re.IGNORECASE,
)
SUBJECT_SPLIT = re.compile(r"\s*(?:\|\||\||–|—|::|\s-\s|;)\s*|\s+-\s+")
BODY_TITLE_RE = re.compile(
    rf"\b(?:looking\s+for|need|needs|hiring|seeking|requirement\s+for|opening\s+for|position\s+(?:of|for)|"
    rf"role\s+of|searching\s+for)\s+(?:an?\s+|the\s+|a\s+strong\s+|strong\s+|\d+\s+)?"
    rf"(?P<t>(?:[A-Za-z.#+/&\-]{{1,30}}\s+){{0,5}}?(?:{ROLE_NOUNS}))s?\b",
    re.IGNORECASE,
)
LOGISTICS = re.compile(r"remote|hybrid|on[\s-]?site|local|c2c|w2|1099|contract|month|year|full[\s-]?time|cth|"
                       r"visa|usc|gc\b|h1b|\d|urgent|immediate|direct|\bonly\b|\bday\b|\b[ecmp]st\b|domain|bank|health|insurance|"
                       r"retail|telecom|financ|pharma|government|public sector", re.IGNORECASE)
SENIORITY = [
    (re.compile(r"\bprincipal\b|\bstaff\b|\bdistinguished\b", re.I), "principal"),
    (re.compile(r"\barchitect\b", re.I), "architect"),
    (re.compile(r"\blead\b|\bteam lead\b|\btech lead\b", re.I), "lead"),
    (re.compile(r"\bsenior\b|\bsr\b\.?", re.I), "senior"),
    (re.compile(r"\bmid[\s-]*level\b|\bmid\b|\bintermediate\b", re.I), "mid"),
    (re.compile(r"\bjunior\b|\bjr\b\.?|\bentry[\s-]*level\b|\bassociate\b", re.I), "junior"),
]
NICE_LINE = re.compile(r"\b(nice[\s-]*to[\s-]*haves?|good[\s-]*to[\s-]*have|(is|are|be)\s+a\s+(big\s+|huge\s+)?plus|"
                       r"a\s+plus|preferred|desired|desirable|bonus|added\s+advantage|would\s+be\s+(nice|great|a\s+plus)|"
                       r"optional|pluses|plusses|secondary|ideally|not\s+required|(is\s+)?an?\s+(advantage|asset)|"
                       r"advantageous|extra\s+credit)\b", re.IGNORECASE)
# An inline "must" / "required" makes a skill required, except in "not required" (a nice-to-have phrasing).
MUST_INLINE = re.compile(r"\bmust\b|(?<!not\s)\brequired\b|\bmandatory\b|\bminimum\s+qualifications?\b", re.I)
MUST_LINE = re.compile(r"\b(must[\s-]*have|required|mandatory|must|primary|key\s+skills|strong)\b", re.IGNORECASE)
SECTION_WORDS = re.compile(r"^(must[\s-]*haves?|required( skills)?|mandatory( skills)?|responsibilities|qualifications|"
                           r"job description|requirements|skills|technical skills|about the role|duties|"
                           r"(minimum|basic|required|preferred|desired|additional)\s+(qualifications|skills|experience)|"
                           r"what\s+we(['’]re|\s+are)\s+looking\s+for|what\s+you(['’]ll)?\s+(need|bring)|"
                           r"(you|you['’]ll)\s+have|bonus\s+points?|nice[\s-]*to[\s-]*haves?|pluses|plusses)\s*:?$", re.I)
HEADING = re.compile(r"^\s*[*•#\-]*\s*\**([A-Za-z][A-Za-z /&\-'’]{1,40}?)\**\s*:?\s*\**\s*$")
UPDATED_RATE = re.compile(r"\b(updated|revised|new|changed|increased|reduced|now)\b.{0,20}\b(rate|budget)\b|"
                          r"\b(rate|budget)\b.{0,20}\b(updated|revised|changed|increased|reduced|is now)\b", re.I)
CONTRACT_TO_HIRE = re.compile(r"\b(contract[\s-]*to[\s-]*hire|cth|c2h|contract\s+to\s+perm(?:anent)?|"
                              r"temp[\s-]*to[\s-]*(?:perm|hire)|right[\s-]*to[\s-]*hire|contract\s+with\s+"
                              r"(?:the\s+)?(?:possibility|option|potential)\s+(?:of|for|to)\s+(?:conversion|hire|"
                              r"full[\s-]*time)|(?:fte|full[\s-]*time|perm(?:anent)?)\s+conversion)\b", re.IGNORECASE)
FULL_TIME = re.compile(r"\b(full[\s-]*time|fte|permanent|perm\s+role|direct[\s-]*hire|salaried|"
                       r"full[\s-]*time\s+employee)\b", re.IGNORECASE)
CONTRACT = re.compile(r"\b(contract|contractor|contracts|c2c|w[\s-]?2|1099|corp[\s-]*to[\s-]*corp|corp2corp|temp|"
                      r"temporary|freelance|freelancer)\b", re.IGNORECASE)
# "smart contract", "contract management", "contract law": the word names a thing, not the engagement.
CONTRACT_THING = re.compile(r"\b(smart|social|data|api|service|legal|government)\s+contracts?\b|"
                            r"\bcontracts?\s+(management|law|lifecycle|negotiation|review|administration|"
                            r"manager|specialist|analyst|attorney)\b", re.IGNORECASE)
EXTERNAL_ID = re.compile(
    r"\b(?:req(?:uirement)?|job|position|jd|requisition|ref)\s*(?:#|id\b|no\.?|number|code)\s*[:#.\-]?\s*"
    r"(?P<id>[A-Z0-9][A-Z0-9\-_/]{2,24})", re.IGNORECASE)
DOMAIN_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(bank(ing)?|financial services|fintech|capital markets|payments|lending|mortgage|"
                r"investment bank\w*|wealth management|trading)\b", re.I), "banking"),
    (re.compile(r"\b(health\s*care|healthcare|hipaa|payer|provider|hospital|clinical|epic|medicaid|medicare|"
                r"claims processing)\b", re.I), "healthcare"),
    (re.compile(r"\b(insurance|p&c|property and casualty|underwriting|actuarial)\b", re.I), "insurance"),
    (re.compile(r"\b(retail|e-?commerce|ecommerce)\b", re.I), "retail"),
    (re.compile(r"\b(telecom|telecommunications|wireless carrier)\b", re.I), "telecom"),
    (re.compile(r"\b(pharma|pharmaceutical|life sciences|biotech)\b", re.I), "pharma"),
    (re.compile(r"\b(state agency|government|public sector|federal|state of [A-Z][a-z]+|county|dmv)\b", re.I),
     "government"),
    (re.compile(r"\b(energy|utilit(y|ies)|oil and gas|oil & gas)\b", re.I), "energy"),
    (re.compile(r"\b(automotive|manufacturing|supply chain|logistics)\b", re.I), "manufacturing"),
]


@dataclass
class _Doc:
    body: str
    subject: str
    labels: list[Labelled]

    def label(self, field: str) -> Labelled | None:
        return next((lab for lab in self.labels if lab.field == field and lab.value), None)


def _ev(conf: float, source: str, span: tuple[int, int] | None) -> Evidence:
    return Evidence(confidence=conf, source=source,  # type: ignore[arg-type]
                    span=Span(start=span[0], end=span[1]) if span else None)


def _remap(ev: Evidence, repaired: Repaired) -> Evidence:
    """Evidence over the repaired body, pointed back at the original body (subject spans are untouched)."""
    if ev.span is None or ev.source != "body":
        return ev
    return ev.model_copy(update={"span": Span(start=repaired.to_original(ev.span.start),
                                              end=repaired.to_original(ev.span.end))})


def _subject_segments(subject: str) -> list[tuple[str, int]]:
    """(segment, offset in subject) after removing "URGENT: Need" style prefixes."""
    m = SUBJECT_PREFIX.match(subject)
    start = m.end() if m else 0
    lead = re.match(r"\s*([^:|]{1,30}):\s+", subject[start:])
    if lead and not ROLE_RE.search(lead.group(1)) and not re.search(r"\d", lead.group(1)):
        start += lead.end()  # "Full Time: Senior DevOps Engineer", "Hot req: ..."
        m2 = SUBJECT_PREFIX.match(subject, start)
        start = m2.end() if m2 else start
    out: list[tuple[str, int]] = []
    seg_start = start
    rest = subject[start:]
    # Split on the separators, but never inside parentheses: "(Remote - PST)" is one segment's qualifier.
    depth, i = 0, 0
    cuts: list[tuple[int, int]] = []
    while i < len(rest):
        ch = rest[i]
        depth += (ch == "(") - (ch == ")" and depth > 0)
        if depth == 0:
            m = SUBJECT_SPLIT.match(rest, i)
            # "$70 - $75/hr" is a range, not two segments.
            is_range = m is not None and "-" in m.group(0) and i > 0 and re.match(r"[\dkK]", rest[i - 1]) is not None \
                and re.match(r"\$?\d", rest[m.end():m.end() + 2]) is not None
            if m and m.end() > i and not is_range:
                cuts.append((i, m.end()))
                i = m.end()
                continue
        i += 1
    prev = 0
    for cut_start, cut_end in [*cuts, (len(rest), len(rest))]:
        piece = rest[prev:cut_start]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append((piece.strip(), seg_start + prev + lead))
        prev = cut_end
    return out


def _clean_title(title: str) -> str:
    # "(Hybrid)", "(W2)", "(6 months)" are logistics; "(Selenium)", "(Django)" belong to the title.
    title = re.sub(r"\s*\(([^)]*)\)\s*", lambda m: " " if LOGISTICS.search(m.group(1)) else m.group(0), title)
    title = re.sub(r"\s*\([^)]*$", "", title)  # an unclosed "(Remote"
    title = re.sub(r"^[^A-Za-z.#]+", "", title)  # "!! Golang Developer"
    title = re.sub(r"\s+(opportunity|opportunities|position|role|requirement|opening|needed|required|job|urgent|asap|"
                   r"immediately|req)\s*$", "", title.strip(), flags=re.IGNORECASE)
    title = re.sub(r"\s+(?:in|at|for|with|@|near)\s+.*$", "", title, flags=re.IGNORECASE)
    title = re.sub(r"\s*[-–,:]+\s*$", "", title.strip())
    title = re.sub(r"^\s*(?:an?|the)\s+", "", title, flags=re.IGNORECASE)
    title = re.sub(r"\s+", " ", title).strip(" :-–*").rstrip(".")
    if title.isupper() and len(title) > 4:
        title = " ".join(w if len(w) <= 3 and w not in {"SR.", "JR.", "SR", "JR"} else w.title()
                         for w in title.split())
        title = re.sub(r"\b(Sr|Jr)\b", lambda m: m.group(1).title(), title.replace("SR", "Sr").replace("JR", "Jr"))
    return title


def _title(doc: _Doc) -> tuple[str | None, Evidence | None]:
    lab = doc.label("title")
    if lab and (ROLE_RE.search(lab.value) or TITLE_NOUN_RE.search(lab.value)) and len(lab.value) <= 90:
        value = _clean_title(lab.value)
        if value:
            return value, _ev(CONF_LABEL, "body", (lab.start, lab.end))
    for seg, offset in _subject_segments(doc.subject):
        if (ROLE_RE.search(seg) or title_ok(_clean_title(seg))) and not re.search(
                r"\$|\d+\s*(months?|mos)|\bC2C\b|\bW2\b", seg, re.I):
            value = _clean_title(seg)
            if value and len(value) <= 90:
                return value, _ev(CONF_SUBJECT, "subject", (offset, offset + len(seg)))
    # Nothing labelled and no subject title: real postings open with the title ("Senior Java Developer",
    # "Acme | Sr. Software Engineer | Remote"). It beats "looking for a strong engineer" prose below.
    span = first_line_title(doc.body)
    if span:
        value = singular(_clean_title(doc.body[span[0]:span[1]]))
        if value:
            return value, _ev(CONF_SUBJECT, "body", span)
    m = BODY_TITLE_RE.search(doc.body)
    if m:
        value = _clean_title(m.group("t"))
        if value:
            return value, _ev(CONF_FREE, "body", m.span("t"))
    return None, None


def _seniority(title: str | None, min_years: float | None) -> tuple[str | None, float]:
    if title:
        for regex, level in SENIORITY:
            if regex.search(title):
                return level, CONF_LABEL
    return None, 0.0


def _min_years(doc: _Doc) -> tuple[float | None, Evidence | None]:
    lab = doc.label("experience")
    if lab:
        m = YEARS_RE.search(lab.value) or re.search(r"(?P<a>\d{1,2})\s*\+", lab.value)
        if m:
            return float(m.group("a")), _ev(CONF_LABEL, "body", (lab.start + m.start(), lab.start + m.end()))
    for text, source in ((doc.body, "body"), (doc.subject, "subject")):
        for m in YEARS_RE.finditer(text):
            # The clause around the figure ("12 month contract" vs "8+ yrs") decides, not a fixed window.
            left = max(text.rfind(c, 0, m.start()) for c in ";.\n") + 1
            rights = [i for i in (text.find(c, m.end()) for c in ";.\n") if i >= 0]
            clause = text[left:min(rights) if rights else len(text)].lower()
            window = text[max(0, m.start() - 60):m.end() + 60].lower()
            if re.search(r"\b(month|duration|contract|extension|old|ago)\b", clause) and "experience" not in clause:
                continue
            years = float(m.group("a"))
            if 0 < years <= 40:
                conf = CONF_FREE if "experience" in window or "exp" in window else CONF_INFERRED + 0.1
                return years, _ev(conf, source, m.span())
    return None, None


def _location(doc: _Doc) -> tuple[Location, Evidence | None, str | None]:
    lab = doc.label("location")
    sources: list[tuple[str, str, int]] = []
    if lab:
        sources.append((lab.value, "body", lab.start))
    for seg, offset in _subject_segments(doc.subject):
        sources.append((seg, "subject", offset))
    sources.append((doc.body, "body", 0))
    hit = None
    hit_source = "body"
    hit_offset = 0
    for text, source, offset in sources:
        hit = find_city_state(text)
        if hit:
            hit_source, hit_offset = source, offset
            break
    mode_texts = [(lab.value, "body", lab.start)] if lab else []
    wm_lab = doc.label("work_mode")
    if wm_lab:
        mode_texts.insert(0, (wm_lab.value, "body", wm_lab.start))
    mode_texts += [(doc.subject, "subject", 0), (doc.body, "body", 0)]
    mode = None
    for text, _source, _offset in mode_texts:
        mode, _span = work_mode(text)
        if mode:
            break
    loc = Location(work_mode=mode)  # type: ignore[arg-type]
    evidence = None
    if hit:
        point = geocode(hit.city, hit.state)
        loc = Location(city=hit.city, state=hit.state, lat=point.lat if point else None,
                       lon=point.lon if point else None, timezone=point.timezone if point else None,
                       work_mode=mode)  # type: ignore[arg-type]
        conf = CONF_LABEL if (lab and hit_source == "body" and hit_offset == lab.start) else (
            CONF_SUBJECT if hit_source == "subject" else CONF_FREE)
        evidence = _ev(conf, hit_source, (hit_offset + hit.start, hit_offset + hit.end))
    elif mode:
        evidence = _ev(CONF_FREE, "body", None)
    if mode == "remote" and loc.timezone is None:
        tz = remote_timezone(" ".join(t for t, _, _ in mode_texts[:2]) + " " + doc.subject + " " + doc.body)
        if tz:
            loc = loc.model_copy(update={"timezone": tz})
    return loc, evidence, None


def _rate(doc: _Doc) -> tuple[Rate | None, Evidence | None, str | None]:
    lab = doc.label("rate")
    terms, _ = find_terms(" ".join([doc.subject, lab.value if lab else "", doc.body]))
    hit, source, offset = None, "body", 0
    note = None
    # A forwarder's edit ("Rate updated to $72/hr") is newer than the original's "Rate:" line.
    pos = 0
    for line in doc.body.splitlines(keepends=True):
        if UPDATED_RATE.search(line):
            hit = find_rate(line)
            if hit:
                source, offset = "body", pos
                break
        pos += len(line)
    if lab and hit is None:
        if NO_RATE.search(lab.value) and not re.search(r"\d", lab.value):
            note = f"rate: {lab.value}"
        else:
            hit = find_rate(lab.value, labelled=True)
            source, offset = "body", lab.start
    if hit is None and note is None:
        for seg, seg_off in _subject_segments(doc.subject):
            hit = find_rate(seg)
            if hit:
                source, offset = "subject", seg_off
                break
    if hit is None and note is None:
        # Free text: only lines that talk about money ("pay rate up to 75/hr", "Max 70/hr all inclusive").
        pos = 0
        for line in doc.body.splitlines(keepends=True):
            if re.search(r"\$|rate|/\s*hr|per\s*hour|/hour|salary|\bk\b|annum|compensation|budget|hourly|/yr",
                         line, re.I):
                hit = find_rate(line)
                if hit:
                    source, offset = "body", pos
                    break
            pos += len(line)
    if hit is None:
        if note is None and NO_RATE.search(doc.body + " " + doc.subject):
            note = "rate: " + NO_RATE.search(doc.body + " " + doc.subject).group(0)  # type: ignore[union-attr]
        return None, None, note
    if hit.unit == "year" and not any(t in terms for t in ("C2C", "W2", "1099")):
        terms = [*terms, "FTE"] if "FTE" not in terms else terms
    rate = Rate(amount=hit.amount, unit=hit.unit, hourly_usd=to_hourly_usd(hit.amount, hit.unit),  # type: ignore[arg-type]
                terms=terms)  # type: ignore[arg-type]
    conf = CONF_LABEL if (lab and offset == lab.start) else CONF_SUBJECT if source == "subject" else CONF_FREE
    if not hit.explicit_unit:
        conf -= 0.1
    return rate, _ev(conf, source, (offset + hit.start, offset + hit.end)), None


def _visas(doc: _Doc) -> tuple[list[str], Evidence | None]:
    lab = doc.label("visa")
    texts: list[tuple[str, str, int]] = []
    if lab:
        texts.append((lab.value, "body", lab.start))
    for seg, off in _subject_segments(doc.subject):
        if VISA_CONTEXT.search(seg):
            texts.append((seg, "subject", off))
    pos = 0
    for line in doc.body.splitlines(keepends=True):
        if VISA_CONTEXT.search(line) and not (lab and pos <= lab.start < pos + len(line)):
            texts.append((line, "body", pos))
        pos += len(line)
    accepted: list[str] = []
    excluded: list[str] = []
    first_span: tuple[int, int] | None = None
    first_source = "body"
    any_visa = False
    for text, source, offset in texts:
        if ANY_VISA.search(text):
            any_visa = True
            first_span = first_span or (offset + ANY_VISA.search(text).start(), offset + ANY_VISA.search(text).end())  # type: ignore[union-attr]
        acc, exc, spans = find_visas(text)
        # TN is also Tennessee ("Nashville, TN"): a TN right after "City," is the state.
        if "TN" in acc and re.search(r"[A-Za-z]\s*,\s*TN\b", text) and not re.search(r"\bTN\s+visa", text, re.I):
            acc = [v for v in acc if v != "TN"]
        for v in acc:
            if v not in accepted:
                accepted.append(v)
        for v in exc:
            if v not in excluded:
                excluded.append(v)
        if (acc or exc) and first_span is None:
            first_span = (offset + spans[0][0], offset + spans[0][1]) if spans else (offset, offset + len(text.rstrip()))
            first_source = source
    if any_visa:
        # "Any visa", "Any visa except OPT/CPT": everything not excluded, whatever else the lines name.
        accepted = [v for v in ALL_VISAS if v not in excluded]
    elif excluded and not accepted:
        # "No H1B" alone means everything else is fine.
        accepted = [v for v in ALL_VISAS if v not in excluded]
    accepted = [v for v in accepted if v not in excluded]
    if not accepted:
        return [], None
    conf = CONF_LABEL if lab else CONF_FREE
    return [v for v in ALL_VISAS if v in accepted], _ev(conf, first_source, first_span)


def _duration(doc: _Doc) -> tuple[float | None, Evidence | None]:
    lab = doc.label("duration")
    if lab:
        months, span = duration_months(lab.value, years_allowed=True)
        if months:
            return months, _ev(CONF_LABEL, "body", (lab.start + span[0], lab.start + span[1]))  # type: ignore[index]
    for seg, off in _subject_segments(doc.subject):
        months, span = duration_months(seg, years_allowed=False)
        if months:
            return months, _ev(CONF_SUBJECT, "subject", (off + span[0], off + span[1]))  # type: ignore[index]
    pos = 0
    for line in doc.body.splitlines(keepends=True):
        sent_pos = pos
        for sentence in re.split(r"(?<=[.;!?])\s+", line):
            sent_pos = doc.body.find(sentence, sent_pos)
            if re.search(r"duration|contract|months?|long term|project", sentence, re.I) and not re.search(
                    r"experience|exp\b", sentence, re.I):
                months, span = duration_months(sentence,
                                               years_allowed=bool(re.search(r"duration|contract", sentence, re.I)))
                if months:
                    return months, _ev(CONF_FREE, "body", (sent_pos + span[0], sent_pos + span[1]))  # type: ignore[index]
            sent_pos += len(sentence)
        pos += len(line)
    return None, None


def _contract_type(doc: _Doc, rate: Rate | None, duration: float | None) -> tuple[str | None, Evidence | None]:
    lab = doc.label("type")
    texts = (
        *([(lab.value, "body", lab.start, CONF_LABEL)] if lab else []),
        (doc.subject, "subject", 0, CONF_SUBJECT),
        (doc.body, "body", 0, CONF_FREE),
    )
    # "Contract to hire" anywhere beats a "C2C" in the subject: it is the more specific statement.
    for text, source, offset, conf in texts:
        m = CONTRACT_TO_HIRE.search(text)
        if m:
            return "contract_to_hire", _ev(conf, source, (offset + m.start(), offset + m.end()))
    for text, source, offset, conf in texts:
        m = FULL_TIME.search(text)
        if m and not CONTRACT.search(text[:m.start()] + text[m.end():m.end() + 40] if source != "body" else ""):
            return "full_time", _ev(conf, source, (offset + m.start(), offset + m.end()))
        m = next((m for m in CONTRACT.finditer(text) if not _contract_thing(text, m)), None)
        if m:
            return "contract", _ev(conf, source, (offset + m.start(), offset + m.end()))
    if rate is not None and rate.unit == "year":
        return "full_time", _ev(CONF_INFERRED, "inferred", None)
    if duration is not None or (rate is not None and rate.unit == "hour") or doc.label("duration") is not None:
        # A "Duration:" line ("Long term") only exists for contracts.
        return "contract", _ev(CONF_INFERRED, "inferred", None)
    return None, None


def _contract_thing(text: str, m: re.Match[str]) -> bool:
    """Is this "contract" a thing the job deals with ("smart contracts", "contract management")?"""
    return any(t.start() <= m.start() < t.end() for t in CONTRACT_THING.finditer(
        text, max(0, m.start() - 12), min(len(text), m.end() + 16)))


START_PROSE = re.compile(r"\bstart(?:\s+date)?\s*(?::|is|on|by|from)?\s*(?P<d>[^\n;]{4,30})", re.IGNORECASE)
HIDDEN_CLIENT = re.compile(
    r"^(a|an|our|the|one of)\s|fortune\s*\d+|top[\s-]*\d+|tier[\s-]*\d|\bclient\b|\bleading\b|\bmajor\b|\blarge\b|"
    r"^(state|public sector|government|federal)\b|confidential|\bdirect\b", re.IGNORECASE)
PROSE_CLIENT = re.compile(r"\b(?:end\s+)?client\s+is\s+(?P<v>[^.\n;]{2,60}?)\s*[.;\n]", re.IGNORECASE)


def _clients(doc: _Doc) -> tuple[str | None, Evidence | None, str | None, Evidence | None]:
    """(client, evidence, end client, evidence). `client` is whoever the email names as the client, hidden or not
    ("Fortune 500 bank"); `end_client` only a named company ("Crescent Bancorp"), never a descriptor."""
    client, client_ev = _party(doc, "client")
    end, end_ev = _party(doc, "end_client")
    if client is None and end is not None:
        client, client_ev = end, end_ev
    if client is None:
        m = PROSE_CLIENT.search(doc.body)
        if m:
            client, client_ev = m.group("v").strip(), _ev(CONF_FREE, "body", m.span("v"))
    if end is not None and HIDDEN_CLIENT.search(end):
        end, end_ev = None, None
    if end is None and client is not None and not HIDDEN_CLIENT.search(client):
        end, end_ev = client, client_ev
    return client, client_ev, end, end_ev


def _party(doc: _Doc, field: str) -> tuple[str | None, Evidence | None]:
    lab = doc.label(field)
    if not lab:
        return None, None
    value = lab.value.strip(" .,-")  # as written: "a state agency (via prime vendor)" is what the vendor discloses
    value = re.split(r"\s+(?:via|through|thru)\s+", value, maxsplit=1, flags=re.I)[0].strip()
    if not value or len(value) > 80 or value.lower() in {"tbd", "n/a", "na", "confidential", "will disclose"}:
        return None, None
    return value, _ev(CONF_LABEL, "body", (lab.start, lab.start + len(lab.value)))


def _external_id(doc: _Doc) -> tuple[str | None, Evidence | None]:
    lab = doc.label("external_id")
    if lab and re.match(r"[A-Z0-9][A-Z0-9\-_/]{2,24}$", lab.value, re.I):
        return lab.value, _ev(CONF_LABEL, "body", (lab.start, lab.end))
    for text, source in ((doc.subject, "subject"), (doc.body, "body")):
        m = EXTERNAL_ID.search(text)
        if m and re.search(r"\d", m.group("id")):
            return m.group("id"), _ev(CONF_SUBJECT if source == "subject" else CONF_FREE, source, m.span("id"))
    return None, None


LIST_HEADING = re.compile(r"skill|must|mandatory|required|technical|tech\s*stack|technolog|minimum\s+qualif|"
                          r"basic\s+qualif|looking\s+for|you(['’]ll)?\s+(need|bring|have)", re.IGNORECASE)
DUTIES_HEADING = re.compile(r"responsibilit|job description|duties|about the role|description|summary|what you|"
                            r"day[\s-]*to[\s-]*day|role overview", re.IGNORECASE)


def _skill_sections(body: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) ranges of the body. kind: "list" (an explicit required-skills list), "nice" (nice to
    have), "duties" (responsibilities / job description prose) or "other". A heading or label opens a range that
    runs until the next heading or label."""
    ranges: list[tuple[int, int, str]] = []
    pos = 0
    current_start, current_kind = 0, "other"
    previous_blank = False
    for line in body.splitlines(keepends=True):
        stripped = line.strip()
        if (current_kind in ("list", "nice") and previous_blank and stripped
                and not stripped.startswith(("-", "*", "•")) and len(stripped.split()) >= 5):
            # A list ends at a blank line followed by prose ("Design, develop and support ...").
            ranges.append((current_start, pos, current_kind))
            current_start, current_kind = pos, "duties"
        previous_blank = not stripped
        lab = labelled_lines(line)
        heading = HEADING.match(line) if stripped.endswith(":") or (
            stripped and len(stripped) < 40 and not stripped.startswith(("-", "*", "•")) and (
                NICE_LINE.search(stripped) or SECTION_WORDS.search(stripped))) else None
        if lab or heading:
            ranges.append((current_start, pos, current_kind))
            current_start = pos
            if lab:
                current_kind = {"nice_skills": "nice", "required_skills": "list"}.get(lab[0].field, "other")
            else:
                key_text = heading.group(1)  # type: ignore[union-attr]
                current_kind = ("nice" if NICE_LINE.search(key_text) else "list" if LIST_HEADING.search(key_text)
                                else "duties" if DUTIES_HEADING.search(key_text) else "other")
        pos += len(line)
    ranges.append((current_start, pos, current_kind))
    return ranges


_YEARS_NEAR = re.compile(r"^\s*(?:\(|-|–|:)?\s*(\d{1,2})\s*\+?\s*(?:years?|yrs?)", re.IGNORECASE)


def _sentence_at(text: str, idx: int, cache: dict[int, list[tuple[int, str]]]) -> str:
    """The sentence of `text` around `idx` (sentences end at . or ; inside a line). Lines are split once."""
    line_start = text.rfind("\n", 0, idx) + 1
    if line_start not in cache:
        line_end = text.find("\n", line_start)
        line = text[line_start: line_end if line_end >= 0 else len(text)]
        pieces: list[tuple[int, str]] = []
        pos = 0
        for piece in re.split(r"(?<=[.;])\s", line):
            pos = line.find(piece, pos)
            pieces.append((line_start + pos, piece))
            pos += len(piece)
        cache[line_start] = pieces
    current = ""
    for start, piece in cache[line_start]:
        if start > idx:
            break
        current = piece
    return current


def _qualified(sentence: str) -> bool:
    """Does a sentence state an ask about its skills ("... is a plus", "must have ...", "... required")?"""
    return bool(NICE_LINE.search(sentence) or MUST_INLINE.search(sentence))


def _skills(doc: _Doc) -> tuple[list[ExtractedSkill], list[str]]:
    """(the asks, context skills named only in duties prose next to an explicit list)."""
    out: dict[str, ExtractedSkill] = {}
    context: dict[str, None] = {}
    sections = _skill_sections(doc.body)
    # With explicit skill lists, skills that only appear in the duties prose ("... in an Agile environment") are
    # boilerplate, not asks; without lists, the prose is all there is.
    explicit_lists = any(kind in ("list", "nice") for _, _, kind in sections)
    skill_label_lines = {lab.line_start for lab in doc.labels if lab.field in ("required_skills", "nice_skills")}
    sentences: dict[int, list[tuple[int, str]]] = {}
    # A technology named only inside the job title ("Sr. ETL Developer", "React Architect") is not counted when the
    # email lists at least two skills of its own: the ask is the list (see ADR 0004).
    title_spans = [(m.start("t"), m.end("t")) for m in [BODY_TITLE_RE.search(doc.body)] if m]
    lab = doc.label("title")
    if lab:
        title_spans.append((lab.start, lab.end))
    body_hits = find_skills(doc.body)
    outside = {h.canonical for h in body_hits if not any(a <= h.start < b for a, b in title_spans)}
    title_only = len(outside) >= 2 or explicit_lists
    for source, hits in (("subject", find_skills(doc.subject)), ("body", body_hits)):
        text = doc.subject if source == "subject" else doc.body
        for hit in hits:
            if title_only and (source == "subject" or any(a <= hit.start < b for a, b in title_spans)):
                continue
            existing = out.get(hit.canonical)
            if existing is not None and existing.required:
                continue  # nothing a later mention could change
            required = True
            conf = CONF_SUBJECT if source == "subject" else CONF_FREE
            if source == "body":
                kind = next((k for start, end, k in sections if start <= hit.start < end), "other")
                if explicit_lists and kind == "duties" and not _qualified(_sentence_at(text, hit.start, sentences)):
                    # Duties prose is context, unless the sentence itself qualifies the skill ("Kafka is a plus").
                    context[hit.canonical] = None
                    continue
                required = kind != "nice"
                # Inline qualifiers beat the section: "Kafka is a plus", "Python (must)".
                sentence_text = _sentence_at(text, hit.start, sentences)
                if NICE_LINE.search(sentence_text) and not MUST_INLINE.search(sentence_text):
                    required = False
                elif MUST_INLINE.search(sentence_text):
                    required = True
                if text.rfind("\n", 0, hit.start) + 1 in skill_label_lines:
                    conf = CONF_LABEL
            if existing is not None:
                if required:
                    out[hit.canonical] = existing.model_copy(update={"required": True})
                continue
            years_m = _YEARS_NEAR.match(text[hit.end:hit.end + 20])
            out[hit.canonical] = ExtractedSkill(
                raw=hit.raw, canonical=hit.canonical, required=required,
                years=float(years_m.group(1)) if years_m else None,
                evidence=_ev(conf, source, (hit.start, hit.end)),
            )
    return list(out.values()), [c for c in context if c not in out]


def _domains(doc: _Doc) -> list[str]:
    text = doc.subject + "\n" + doc.body
    lab = doc.label("domain")
    found = []
    for regex, name in DOMAIN_WORDS:
        if regex.search(lab.value if lab else text):
            found.append(name)
    if lab and not found:
        for regex, name in DOMAIN_WORDS:
            if regex.search(text):
                found.append(name)
    return found


def extract_requirement(text: str, subject: str | None = None) -> RequirementExtraction:
    """Deterministic extraction of one requirement email body (and its subject)."""
    # Requirements fit in a few pages; past this the text is a pasted document or garbage, and the regexes' cost
    # grows with it. Spans stay valid because the cut keeps a prefix.
    body = (text or "")[:MAX_TEXT_CHARS]
    subject = (subject or "")[:MAX_SUBJECT_CHARS]
    # Text whose line breaks were lost ("Job Title  Java DeveloperLocation  Dallas, TX") gets them back before
    # labelled lines are read; spans are mapped back to the caller's text at the end.
    repaired = restore_line_breaks(body)
    body = repaired.text
    doc = _Doc(body=body, subject=subject, labels=labelled_lines(body))
    is_req, reason = classify_message(subject, body)
    evidence: dict[str, Evidence] = {}

    title, ev = _title(doc)
    if ev:
        evidence["title"] = ev
    min_years, ev = _min_years(doc)
    if ev:
        evidence["min_years"] = ev
    seniority, conf = _seniority(title, min_years)
    if seniority and "title" in evidence:
        evidence["seniority"] = evidence["title"].model_copy(update={"confidence": min(conf, evidence["title"].confidence)})
    location, ev, _ = _location(doc)
    if ev:
        evidence["location"] = ev
    rate, ev, rate_note = _rate(doc)
    if ev:
        evidence["rate"] = ev
    visas, ev = _visas(doc)
    if ev:
        evidence["visa_accepted"] = ev
    duration, ev = _duration(doc)
    if ev:
        evidence["duration_months"] = ev
    contract_type, ev = _contract_type(doc, rate, duration)
    if ev:
        evidence["contract_type"] = ev
    start = None
    lab = doc.label("start")
    if lab:
        start, span = find_date(lab.value)
        if start and span:
            evidence["start_date"] = _ev(CONF_LABEL, "body", (lab.start + span[0], lab.start + span[1]))
    else:
        m = START_PROSE.search(body)
        if m:
            start, span = find_date(m.group("d"))
            if start and span:
                evidence["start_date"] = _ev(CONF_FREE, "body", (m.start("d") + span[0], m.start("d") + span[1]))
    client, ev, end_client, end_ev = _clients(doc)
    if ev:
        evidence["client"] = ev
    if end_ev:
        evidence["end_client"] = end_ev
    vendor, ev = _party(doc, "vendor")
    if ev:
        evidence["vendor"] = ev
    external_id, ev = _external_id(doc)
    if ev:
        evidence["external_id"] = ev
    skills, context_skills = _skills(doc)
    terms, term_spans = find_terms(doc.subject + "\n" + doc.body)
    if contract_type == "full_time" and not terms:
        terms = ["FTE"]
    if rate is not None and rate.terms:
        terms = list(dict.fromkeys([*rate.terms, *terms]))
    if terms and term_spans:
        s0, e0 = term_spans[0]
        sub_len = len(doc.subject) + 1
        evidence["employment_terms"] = _ev(CONF_FREE, "subject", (s0, e0)) if e0 <= len(doc.subject) else _ev(
            CONF_FREE, "body", (s0 - sub_len, e0 - sub_len))
    notes = "; ".join(n for n in [rate_note, "locals only" if re.search(r"\blocals?\s+only\b", body + subject, re.I)
                                   else None] if n) or None
    evidence["is_requirement"] = Evidence(confidence=0.9 if is_req else 0.8, source="inferred")
    if repaired.inserted:
        evidence = {k: _remap(v, repaired) for k, v in evidence.items()}
        skills = [s.model_copy(update={"evidence": _remap(s.evidence, repaired)}) for s in skills]
    return RequirementExtraction(
        is_requirement=is_req, not_requirement_reason=reason, title=title, external_id=external_id, skills=skills,
        context_skills=context_skills,
        min_years=min_years, seniority=seniority, location=location, visa_accepted=visas,  # type: ignore[arg-type]
        rate=rate, employment_terms=terms, duration_months=duration, contract_type=contract_type, start_date=start,  # type: ignore[arg-type]
        client=client, end_client=end_client, vendor=vendor, domains=_domains(doc), notes=notes, evidence=evidence,
    )
