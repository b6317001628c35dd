"""Job titles written without a label: the first line of a posting ("Senior Java Developer"), a header line of
segments ("Acme | Sr. Software Engineer | Remote | $150k"), or the head of a text whose line breaks were lost
("Lead Software Developer New York City - Hybrid 150,000 - 190,000 One of our key clients ...").

Real postings are not only IT, so a title is recognised by a role noun from any trade (nurse, accountant, driver),
and guarded against what else sits on a first line: a greeting, a company name, a sentence, a place, a salary.
Pure functions on text; they return spans so callers can record evidence.
"""

from __future__ import annotations

import re

# The head noun of a job title. Broad on purpose (postings from every trade); the guards below keep precision.
TITLE_NOUNS = (
    r"engineer|developer|programmer|architect|analyst|administrator|admin|manager|consultant|accountant|"
    r"nurse|designer|scientist|specialist|lead|tester|sdet|dba|devops|sre|director|coordinator|technician|"
    r"technologist|officer|representative|rep|associate|assistant|clerk|writer|editor|recruiter|sourcer|teacher|"
    r"tutor|instructor|trainer|therapist|pharmacist|physician|doctor|dentist|hygienist|auditor|controller|"
    r"bookkeeper|cashier|driver|operator|mechanic|electrician|plumber|welder|machinist|supervisor|foreman|intern|"
    r"president|vp|cto|cfo|ceo|strategist|modeler|modeller|steward|owner|scrum master|agent|planner|buyer|"
    r"paralegal|attorney|lawyer|counsel|advisor|adviser|executive|researcher|estimator|superintendent|chef|cook|"
    r"receptionist|secretary|underwriter|actuary|economist|statistician|marketer|copywriter|illustrator|animator|"
    r"producer|head|principal|partner|expert|generalist|investigator|inspector|surveyor|draftsman|drafter|"
    r"pilot|caregiver|aide|medic|paramedic|therapist|counselor|counsellor|psychologist|librarian|"
    r"hacker|evangelist|advocate|ops|sales|marketing|recruiting|support"
)
TITLE_NOUN_RE = re.compile(rf"\b(?:{TITLE_NOUNS})(?:s|es)?\b", re.IGNORECASE)
# Nouns that name a title only with a qualifier ("Team Lead", "Sales Associate", not "Lead" or "Associate").
_WEAK_ALONE = re.compile(r"^(lead|associate|support|owner|head|principal|partner|sales|marketing|recruiting|ops|"
                         r"expert|executive|agent|rep|aide|admin|president|vp)s?$", re.IGNORECASE)
# Functions, not people: a title must not end on them ("Head of Sales" is fine, "Sales" alone is not).
_FUNCTION_END = re.compile(r"\b(sales|marketing|recruiting|support|ops)$", re.IGNORECASE)
GREETING = re.compile(r"^\W*(hi|hello|hey|dear|greetings|good\s+(morning|afternoon|evening|day)|hope|thanks|thank\s+you|"
                      r"namaste|hola|team|all)\b", re.IGNORECASE)
# Words of a sentence, not a title ("We are hiring a Java Developer", "Please share profiles").
SENTENCE_WORDS = re.compile(
    r"\b(we|we're|our|us|you|your|you'll|i|i'm|my|is|are|am|was|were|will|would|please|looking|seeking|hiring|"
    r"join|share|find|below|following|attached|regards|thanks|let|have|has|can|could|should|who|which|that|"
    r"this|there|here|if|because|currently|interested|apply)\b", re.IGNORECASE)
COMPANY_END = re.compile(r"\b(inc|llc|ltd|limited|corp|corporation|co|company|technologies|solutions|systems|group|"
                         r"partners|consulting|services|staffing|labs|gmbh|ag|plc|holdings|software|agency)\.?$",
                         re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"\s*(?:\|\|?|•|·)\s*")
_CONNECTORS = {"of", "and", "&", "/", "-", "–", "for", "to", "ii", "iii", "iv", "i"}
# A camel-case glue inside a token: "AccountantDepartment", "DeveloperLocation", "ENGINEERBackstop".
_GLUE = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])|(?<=[A-Z]{2})(?=[A-Z][a-z])|(?<=[a-z]{2})(?=[A-Z]{3,})")
MAX_TITLE_WORDS = 10
MAX_TITLE_CHARS = 90
MAX_LINES_SCANNED = 5


def title_ok(title: str) -> bool:
    """The guards every candidate passes: a role noun, short, no money, no sentence, not a company or greeting."""
    words = title.split()
    if not words or len(words) > MAX_TITLE_WORDS or len(title) > MAX_TITLE_CHARS:
        return False
    if not TITLE_NOUN_RE.search(title) or GREETING.match(title) or SENTENCE_WORDS.search(title):
        return False
    if re.search(r"[$€£@]|https?:|www\.|\d{3,}", title) or COMPANY_END.search(title.rstrip(" .,")):
        return False
    if len(words) == 1 and _WEAK_ALONE.match(words[0].strip(".,")):
        return False
    return not _FUNCTION_END.search(title.rstrip(" .,")) or bool(re.search(r"\b(head|vp|director|manager)\b", title,
                                                                             re.I))


def singular(title: str) -> str:
    """A posting hires "Software Engineers"; the requirement's title is one "Software Engineer". Only the head
    noun changes, and only when it is a role noun ("Sales" and "Analytics" stay)."""
    m = re.search(r"\b([A-Za-z]+?)(e?s)(?=\W*(?:\([^)]*\))?\W*$)", title)
    if not m:
        return title
    stem, ending = m.group(1), m.group(2)
    for cand in (stem + ending[:-1], stem):  # "Engineers" -> "Engineer"; "Coaches" -> "Coach"
        if cand.lower() != (stem + ending).lower() and TITLE_NOUN_RE.fullmatch(cand) and not _WEAK_ALONE.match(
                stem + ending):
            return title[:m.start()] + cand + title[m.end():]
    return title


def _first_of_several(title: str) -> str:
    """"Frontend Engineer, Software Engineer" names two roles: keep the first. "Software Engineer, Backend" is one."""
    parts = [p.strip() for p in re.split(r",\s*|\s+(?:and|or|&|/)\s+(?=[A-Z])", title)]
    if len(parts) > 1 and TITLE_NOUN_RE.search(parts[0]) and any(TITLE_NOUN_RE.search(p) for p in parts[1:]):
        return parts[0]
    return title


def cut_glue(text: str) -> str:
    """Text up to the first glued word ("Closing ManagerWINGSPAN PORTFOLIO" -> "Closing Manager")."""
    m = _role_glue(text)
    return text[:m] if m is not None else text


def _role_glue(token: str) -> int | None:
    """Where a role noun is glued to the next word ("AccountantDepartment" -> 10). Camel case that is part of a
    name ("DevOps", "JavaScript", "ServiceNow") is not a glue: only a break right after a role noun counts."""
    for m in _GLUE.finditer(token):
        if re.search(rf"(?:{TITLE_NOUNS})(?:s|es)?$", token[:m.start()], re.IGNORECASE):
            return m.start()
    return None


def leading_title(text: str) -> tuple[int, int] | None:
    """Span of a title that opens `text` (the words after a date range in a run-together resume), or None."""
    run = _leading_run(text)
    if run and title_ok(text[run[0]:run[1]]):
        return run
    return None


def _leading_run(line: str) -> tuple[int, int] | None:
    """Span of the title at the head of a run-together line: the leading capitalised words, cut after the last role
    noun ("Lead Software Developer New York City - Hybrid ..." -> "Lead Software Developer")."""
    pos = 0
    m_art = re.match(r"(?:an?|the)\s+", line, re.IGNORECASE)
    if m_art:
        pos = m_art.end()
    start = pos
    last_role_end = None
    for m in re.finditer(r"\S+", line[pos:]):
        token = m.group(0)
        tok_start = pos + m.start()
        inner_comma = re.search(r"[,;](?=\S)", token)  # "Brunswick,GA,Manager": the comma ends the run
        if inner_comma:
            token = token[:inner_comma.end()]
        glue = _role_glue(token)
        core = token[:glue] if glue is not None else token
        bare = core.strip(",.;:()")
        if not bare:
            break
        if bare.lower() in _CONNECTORS:
            pass
        elif not (bare[0].isupper() or bare[0] in ".#" or bare[:2].lower() in ("c#", "c+")) or re.search(
                r"\d{2,}", bare):
            break
        if TITLE_NOUN_RE.fullmatch(bare) or TITLE_NOUN_RE.fullmatch(bare.rstrip("s")):
            last_role_end = tok_start + len(core.rstrip(",.;:"))
        if glue is not None or (core.endswith((",", ";", ":", ".")) and not re.fullmatch(r"(?:Sr|Jr|Mr|Ms)\.", core)):
            break
        if tok_start - start > MAX_TITLE_CHARS:
            break
    if last_role_end is None:
        return None
    return start, last_role_end


def title_in_line(line: str) -> tuple[int, int] | None:
    """Span of a job title in one line, or None. The line may be a header of segments ("Acme | Engineer | Remote"),
    a bare title, or the head of a run-together text."""
    stripped = line.strip()
    if not stripped or GREETING.match(stripped):
        return None
    offset = line.find(stripped)
    segments = [(m.start(), m.end()) for m in re.finditer(r"[^|•·]+", stripped)]
    if len(segments) > 1:
        for a, b in segments:
            # "Frontend Engineer (Activation): https://..." - a link or an apply address ends the segment.
            seg = re.split(r":?\s*(?:https?://|www\.)|\s+\S+@\S+", stripped[a:b], maxsplit=1)[0]
            lead = len(seg) - len(seg.lstrip())
            seg = seg.strip()
            title = _first_of_several(seg)
            if title_ok(title):
                return offset + a + lead, offset + a + lead + len(title)
        return None
    words = stripped.split()
    if len(words) <= MAX_TITLE_WORDS and not stripped.endswith((".", "!", "?")):
        # A whole short line; " - Dallas, TX" or " (Remote)" tails are cut by the caller's title cleaner.
        head = re.split(r"\s+[-–—]\s+|\s{2,}", stripped, maxsplit=1)[0]
        title = _first_of_several(head)
        if title_ok(title):
            return offset, offset + len(title)
        if title_ok(_first_of_several(stripped)):
            return offset, offset + len(_first_of_several(stripped))
    run = _leading_run(stripped)
    if run:
        title = stripped[run[0]:run[1]]
        if title_ok(title):
            return offset + run[0], offset + run[1]
    return None


def first_line_title(text: str) -> tuple[int, int] | None:
    """Span of the title a posting opens with. Scans the first few non-empty lines, skipping greetings and
    pleasantries ("Hi team,", "Hope you are doing well."), and stops at the first labelled line or paragraph of
    prose: a title that is not at the top is not the posting's title."""
    pos = 0
    seen = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip().strip("*#•-_= ").strip()
        if stripped:
            seen += 1
            if seen > MAX_LINES_SCANNED:
                break
            lead = line.find(stripped)
            span = title_in_line(stripped)
            if span:
                return pos + lead + span[0], pos + lead + span[1]
            if re.match(r"^[A-Za-z][A-Za-z /#&\-.']{0,32}\s*[:=]\s*\S", stripped):
                break  # "Location: Dallas": the labelled part has begun
            if not (GREETING.match(stripped) or SENTENCE_WORDS.search(stripped)) and len(stripped.split()) > 12:
                break
        pos += len(line)
    return None
