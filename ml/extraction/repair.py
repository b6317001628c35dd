"""Line-break recovery for texts whose breaks were lost upstream (copied out of a web page, a PDF or a CSV export):
"Job Title  Software DeveloperLocation  Dallas, TXDuration  6 months", "SummaryHighly motivated ... HighlightsJava".

The labelled-line and section logic of the extractors needs one field per line, so before extraction a break is put
back in front of a known label or heading that is glued to the previous word (or follows it after a sentence end),
and after a heading glued to its first word. A label followed by the two spaces a lost colon leaves behind
("Location  Dallas") gets its colon back in place of the first space, which keeps the text's length.

Only inserted characters change offsets; `Repaired.to_original` maps a position in the repaired text back to the
text the caller passed, so evidence spans still point at the caller's text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

# Field labels: their value follows on the same line ("Location: Dallas, TX").
FIELD_LABELS = (
    "Job Title", "Position Title", "Title", "Position", "Role", "Job Role", "Location", "Job Location",
    "Work Location", "Duration", "Contract Duration", "Contract Length", "Rate", "Pay Rate", "Bill Rate", "Pay Range",
    "Salary", "Salary Range", "Base Salary", "Compensation", "Visa", "Visa Status", "Work Authorization",
    "Citizenship", "Start Date", "Job Type", "Employment Type", "Position Type", "Tax Terms", "Client", "End Client",
    "Department", "Reports To", "Reports to", "Job ID", "Req ID", "Work Mode", "Work Model", "Industry",
    "Years of Experience", "Experience Required", "Contract", "Type", "Remote",
)
# Section headings: a block of text follows ("Responsibilities", "Summary", "Highlights").
SECTION_LABELS = (
    "Skills", "Technical Skills", "Required Skills", "Key Skills", "Skill Highlights", "Skills Summary", "Must Haves",
    "Must Have", "Nice to Have", "Nice To Have", "Plusses", "Pluses", "Experience", "Professional Experience",
    "Work Experience", "Work History", "Employment History", "Responsibilities", "Key Responsibilities",
    "Job Responsibilities", "Duties", "Requirements", "Job Requirements", "Qualifications", "Minimum Qualifications",
    "Basic Qualifications", "Preferred Qualifications", "Required Qualifications", "Core Qualifications",
    "Benefits", "Perks", "Summary", "Professional Summary", "Job Summary", "Career Overview", "Profile",
    "Objective", "Education", "Education and Training", "Certifications", "Highlights", "Accomplishments",
    "Projects", "Job Description", "Description", "About the Role", "About Us", "About the Company",
    "What You'll Do", "What You Will Do", "What We're Looking For", "What we're looking for", "Day to Day",
    "Languages", "Interests", "Additional Information", "Core Competencies", "Technologies", "Tech Stack",
)


def _variants(label: str) -> list[str]:
    """As written, ALL CAPS, and first word capitalised only ("Job title")."""
    words = label.split()
    return list(dict.fromkeys([label, label.upper(), " ".join([words[0].capitalize(), *(w.lower() for w in words[1:])])]))


def _alternation(labels: tuple[str, ...]) -> str:
    names = sorted({re.escape(v) for lab in labels for v in _variants(lab)}, key=len, reverse=True)
    return "|".join(names)


# Case-sensitive on purpose: "experience" in prose is not a heading; "Experience" glued to a word is.
_SEP_AFTER = r"(?=\s*[:\-–=]\s|\s*:|\s{2,}\S)"
_FIELD_RE = re.compile(rf"(?P<lab>{_alternation(FIELD_LABELS)}){_SEP_AFTER}")
_SECTION_RE = re.compile(rf"(?P<lab>{_alternation(SECTION_LABELS)})(?P<after>{_SEP_AFTER[3:-1]}|(?=[A-Z0-9])|(?=\s+[A-Z]))")
# A break before the label is wanted when the label is glued to the previous word ("DeveloperLocation",
# "TXDuration"), follows a sentence end ("... SQL. Benefits"), or follows the spaces a lost break left ("Mobile  ").
_SENTENCE_BEFORE = re.compile(r"(?:[.!?:;]\s+|\s{2,})$")
# One-word field labels that are also common words: a break before them needs more than a separator after them.
_GENERIC = {"type", "remote", "contract", "role", "title", "position", "rate", "client", "visa", "salary"}
MIN_CHARS = 120
CHARS_PER_BREAK = 250  # fewer breaks than one per this many characters: the text lost its line structure


@dataclass(frozen=True)
class Repaired:
    text: str
    inserted: list[int] = field(default_factory=list)  # positions in `text` of the inserted characters, sorted

    def to_original(self, pos: int) -> int:
        """A position in the repaired text as a position in the original text."""
        return pos - bisect_left(self.inserted, pos)


def lost_line_breaks(text: str) -> bool:
    return len(text) >= MIN_CHARS and text.count("\n") * CHARS_PER_BREAK < len(text)


def restore_line_breaks(text: str) -> Repaired:
    """Re-insert line breaks before labels and headings in a text that has (almost) none; else the text as is."""
    if not lost_line_breaks(text):
        return Repaired(text)
    # (position in the original text, kind) of each edit: "\n" inserted before a label / after a heading, or a
    # colon put in place of the first of two spaces after a label.
    breaks: set[int] = set()
    colons: set[int] = set()
    for regex, is_section in ((_FIELD_RE, False), (_SECTION_RE, True)):
        for m in regex.finditer(text):
            start, end = m.start("lab"), m.end("lab")
            prev_char = text[start - 1] if start > 0 else "\n"
            glued = prev_char.isalnum() or prev_char in ")]"
            if glued and prev_char.isupper() and m.group("lab").isupper():
                continue  # "SOFTWARE ENGINEERSKILLS" cannot be told apart from one word; leave it
            at_start = prev_char == "\n"
            after_sentence = bool(_SENTENCE_BEFORE.search(text[max(0, start - 4):start]))
            follow = text[end:end + 2]
            # A heading glued to its first word ("HighlightsJava", "Experience05") or a field label followed by an
            # explicit separator ("Mobile Location - Louisville") starts a line wherever it is.
            glued_after = is_section and bool(follow[:1]) and (follow[:1].isupper() or follow[:1].isdigit())
            explicit_sep = not is_section and m.group("lab").lower() not in _GENERIC and bool(
                re.match(r"\s*(?::|[\-–]\s)", text[end:end + 3]))
            if not (glued or at_start or after_sentence or glued_after or explicit_sep):
                continue
            if is_section and not (follow[:1].isupper() or follow[:1].isdigit() or re.match(r"\s*[:\-–]", follow)
                                   or follow.startswith("  ") or (follow[:1] == " " and after_sentence)
                                   or (follow[:1] == " " and at_start)):
                continue
            if not at_start:
                if start > 0 and text[start - 1] == " ":
                    breaks.add(start - 1)  # the space becomes the break: no shift
                else:
                    breaks.add(start)
            if follow.startswith("  "):
                colons.add(end)
            elif is_section and (follow[:1].isupper() or follow[:1].isdigit()):
                breaks.add(end)  # "HighlightsJava" -> "Highlights\nJava"
    if not breaks and not colons:
        return Repaired(text)
    out: list[str] = []
    inserted: list[int] = []
    prev = 0
    for pos in sorted(breaks | colons):
        out.append(text[prev:pos])
        new_pos = sum(len(p) for p in out)
        if pos in colons:
            out.append(":")
            prev = pos + 1  # replaces the first of the two spaces
        elif pos < len(text) and text[pos] == " ":
            out.append("\n")
            prev = pos + 1  # a space turned into the break
        else:
            out.append("\n")
            inserted.append(new_pos)
            prev = pos
    out.append(text[prev:])
    return Repaired("".join(out), inserted)
