"""Is this email a job requirement? Cheap rules that name their reason, so quarantine and triage can show it."""

from __future__ import annotations

import re

from ml.extraction.patterns import find_rate, labelled_lines
from ml.extraction.titles import first_line_title
from ml.taxonomy.gazetteer import find_skills

OUT_OF_OFFICE = re.compile(
    r"\b(out of (the )?office|automatic reply|auto[\s-]?reply|autoreply|auto[\s-]?response|\booo\b|away from (the )?office|"
    r"on (annual |paid )?(leave|vacation|holiday|pto)|limited access to (my )?e-?mail|will be back on|"
    r"i am currently away|returning on)\b", re.IGNORECASE)
NEWSLETTER = re.compile(
    r"\b(newsletter|webinar|weekly digest|daily digest|view (this email )?in (your )?browser|top stories|"
    r"read more|this week in|unsubscribe|manage (your )?(email )?preferences|register now|upcoming events|"
    r"product update|release notes|% off|special offer|subscribe)\b", re.IGNORECASE)
HOTLIST = re.compile(r"\b(hot\s*list|bench\s+(list|consultants|candidates)|available\s+consultants|"
                     r"consultants?\s+available|our\s+available\s+candidates)\b", re.IGNORECASE)
DELIVERY = re.compile(r"\b(delivery status notification|undeliverable|mail delivery (failed|subsystem)|"
                      r"returned mail|delivery has failed)\b", re.IGNORECASE)
ROLE_WORDS = re.compile(
    r"\b(requirement|position|opening|role|job description|\bjd\b|looking for|need(ed)?|hiring|urgent|"
    r"immediate|candidate|consultant|resume|profiles?)\b", re.IGNORECASE)
TITLE_WORDS = re.compile(
    r"\b(developer|engineer|architect|analyst|administrator|admin|lead|manager|consultant|tester|scientist|"
    r"specialist|designer|dba|sdet|programmer|scrum master|product owner)s?\b", re.IGNORECASE)

# What a job posting says about the job itself (terms, place, pay, duties), as opposed to a thread reply or a note.
JOB_CUES = re.compile(
    r"\b(full[\s-]*time|part[\s-]*time|contract(?:or|s)?|contract[\s-]*to[\s-]*hire|c2c|c2h|w[\s-]?2|1099|cth|fte|"
    r"corp[\s-]*to[\s-]*corp|permanent|temp|temporary|freelance|internship|remote|hybrid|on[\s-]?site|relocation|"
    r"visa|salary|compensation|per\s+hour|/\s*hr|hourly|benefits|equity|responsibilities|requirements|qualifications|"
    r"years?\s+of\s+experience|apply|careers?|shifts?|(?:multiple|various|open)\s+(?:roles|positions|openings)|"
    r"\d+\s*(?:months?|weeks?)\b)", re.IGNORECASE)
_HEADER_SPLIT = re.compile(r"\s*\|\s*")


def _posting_header(text: str) -> bool:
    """A job-board or forum posting: a title at the top with at least one job cue in the text ("Senior Java
    Developer / W2 contract, 12 months"), or a header line of segments naming two job cues ("Acme | Remote |
    Full-time | Multiple roles")."""
    top = text[:3000]
    if first_line_title(top) is not None and JOB_CUES.search(top):
        return True
    first = next((line for line in top.splitlines() if line.strip()), "")
    segments = _HEADER_SPLIT.split(first)
    cues = {m.group(0).lower() for m in JOB_CUES.finditer(first)}
    return len(segments) >= 3 and len(cues) >= 2


def classify_message(subject: str | None, text: str | None) -> tuple[bool, str | None]:
    """(is a requirement, reason when not): "empty", "out_of_office", "delivery_failure", "newsletter",
    "hotlist", "no_role_signal"."""
    subject = (subject or "")[:400]
    text = (text or "")[:20_000]
    if not subject.strip() and not text.strip():
        return False, "empty"
    head = subject + "\n" + text[:600]
    if OUT_OF_OFFICE.search(subject) or (OUT_OF_OFFICE.search(text[:600]) and len(text) < 1500):
        return False, "out_of_office"
    if DELIVERY.search(head):
        return False, "delivery_failure"
    if (HOTLIST.search(subject) or (len(HOTLIST.findall(text[:2000])) >= 1 and not re.search(
            r"\b(job description|must have|responsibilit)", text, re.IGNORECASE))) and HOTLIST.search(head):
        return False, "hotlist"
    newsletter_cues = len(NEWSLETTER.findall(subject + "\n" + text))
    labels = {lab.field for lab in labelled_lines(text)}
    strong_req = len(labels & {"title", "location", "rate", "duration", "visa", "required_skills", "client"}) >= 2
    if newsletter_cues >= 2 and not strong_req:
        return False, "newsletter"
    title_signal = bool(TITLE_WORDS.search(subject) or "title" in labels or TITLE_WORDS.search(text[:1500]))
    skills = len({h.canonical for h in find_skills(subject + "\n" + text[:5000])})
    money = find_rate(subject) is not None or "rate" in labels
    role_words = bool(ROLE_WORDS.search(head))
    if not strong_req and not money and _posting_header(text):
        return True, None
    if not strong_req and not money and len(text) < 300 and not find_skills(text):
        # "Thanks, received" under a role-bearing subject: a thread reply, not a requirement.
        return False, "no_role_signal"
    if strong_req or (title_signal and (skills >= 1 or money or role_words)) or (skills >= 3 and role_words):
        return True, None
    return False, "no_role_signal"
