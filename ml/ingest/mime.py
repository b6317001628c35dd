"""Raw RFC 5322 bytes -> `ParsedMessage`: decoded, HTML rendered, quotes/signatures/disclaimers stripped, forwarded
chains unwrapped. Built on the stdlib `email` package; anything that is not a usable email raises
`UnparseableMessage` with a precise reason so the pipeline can quarantine it (never a crash, never a silent drop).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message

from ml.ingest.charset import decode_bytes, looks_binary
from ml.ingest.documents import UnparseableDocument, document_text
from ml.ingest.html import html_to_text

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class UnparseableMessage(Exception):
    """The input cannot become a message; `reason` is a short machine-friendly cause plus detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str
    subject: str
    from_addr: str | None
    date: datetime | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    content_hash: str = ""
    raw_subject: str = ""  # the header as received, "Fwd:"/"RE:" prefixes included
    forwarded: bool = False
    charset_fallback: bool = False  # the declared charset was wrong or unknown; a guess was used


# --------------------------------------------------------------------------------------------------- decoding
def _part_text(part: Message) -> tuple[str, bool]:
    payload = part.get_payload(decode=True)
    if payload is None:
        raw = part.get_payload()
        return (raw if isinstance(raw, str) else ""), False
    return decode_bytes(payload, part.get_content_charset())


def _garbled(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n"))
    return bad / len(text) > 0.1


# --------------------------------------------------------------------------------------------------- cleaning
_FWD_MARKER = re.compile(
    r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|-{2,}\s*Original Message\s*-{2,}|Begin forwarded message:|"
    r"_{5,}\s*$)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_FWD_HEADER = re.compile(r"^\s*\*?(From|Sent|Date|To|Cc|Subject|Reply-To)\s*:\*?\s*(.*)$", re.IGNORECASE)
_REPLY_INTRO = re.compile(r"^\s*On .{4,200}(wrote|écrit)\s*:\s*$", re.IGNORECASE)
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_CLOSING = re.compile(
    r"^\s*(thanks?\s*(&|and)\s*regards|thanks\s*(and|&)\s*best regards|best\s*regards|warm\s*regards|kind\s*regards|"
    r"regards|sincerely|cheers|thank you|thanks|many thanks|best)\s*[,.!-]*\s*(\w+\s*)?$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^\s*\**\s*(disclaimer|confidentiality notice|confidential(ity)? ?:|this (e-?mail|message|communication) "
    r"(and any|is intended|contains|may contain)|if you are not the intended recipient|to unsubscribe|"
    r"unsubscribe|under bill s\.?\s?1618|we respect your online privacy|note: this email is not intended|"
    r"if you (do not|don't) wish to receive|you are receiving this (e-?mail|because))",
    re.IGNORECASE,
)


def strip_subject_prefixes(subject: str) -> str:
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def _unwrap_forward(text: str) -> tuple[str, str | None, bool]:
    """Innermost forwarded original, with the forwarders' own notes (often an edited rate) kept above it."""
    markers = list(_FWD_MARKER.finditer(text))
    if not markers:
        return text, None, False
    notes: list[str] = []
    prev_end = 0
    inner_subject: str | None = None
    body = text
    for m in markers:
        note = _strip_signature(_strip_quotes(text[prev_end:m.start()]))
        if prev_end > 0:
            note = _skip_fwd_headers(note)[0]
        if note.strip():
            notes.append(note.strip())
        prev_end = m.end()
    body, subj = _skip_fwd_headers(text[prev_end:])
    inner_subject = subj or inner_subject
    if not notes:
        return body, inner_subject, True
    # Notes whose only content is a greeting/"FYI" add nothing; keep the rest (newest first = outermost first).
    useful = [n for n in notes if len(re.sub(r"\W+", "", n)) > 12]
    return ("\n\n".join([*useful, body]) if useful else body), inner_subject, True


def _skip_fwd_headers(block: str) -> tuple[str, str | None]:
    lines = block.splitlines()
    subject = None
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    seen = 0
    while i < len(lines):
        m = _FWD_HEADER.match(lines[i])
        if m:
            seen += 1
            if m.group(1).lower() == "subject":
                subject = m.group(2).strip()
            i += 1
            continue
        if seen and not lines[i].strip():
            i += 1
            break
        if seen and lines[i].startswith((" ", "\t")):  # folded header line
            i += 1
            continue
        break
    return ("\n".join(lines[i:]) if seen else block), subject


def _strip_quotes(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    for line in lines:
        if _REPLY_INTRO.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        out.append(line)
    return "\n".join(out)


def _strip_signature(text: str) -> str:
    lines = text.splitlines()
    nonblank_seen = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip() == "--" or line == "-- ":
            return "\n".join(lines[:i]).rstrip()
        if _DISCLAIMER.match(line):
            return "\n".join(lines[:i]).rstrip()
        if stripped and _CLOSING.match(stripped) and nonblank_seen >= 1:
            return "\n".join(lines[:i]).rstrip()
        if stripped:
            nonblank_seen += 1
    return text.rstrip()


def clean_body(text: str) -> tuple[str, str | None, bool]:
    """(clean text, forwarded subject or None, was forwarded)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    body, fwd_subject, forwarded = _unwrap_forward(text)
    unquoted = _strip_quotes(body)
    if len(re.sub(r"\W+", "", unquoted)) < 10:
        # A bare "any update?" over a quoted requirement: the quote is the content; keep it rather than lose it.
        unquoted = "\n".join(re.sub(r"^\s*>+ ?", "", line) for line in body.splitlines() if not _REPLY_INTRO.match(line))
    cleaned = _strip_signature(unquoted)
    cleaned = re.sub(r"[ \t]+\n", "\n", cleaned)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned).strip()
    return cleaned, fwd_subject, forwarded


# --------------------------------------------------------------------------------------------------- message
def _message_id(msg: Message, raw_hash: str) -> str:
    mid = str(msg.get("Message-ID") or msg.get("Message-Id") or "").strip().strip("<>").strip()
    return mid if mid and len(mid) <= 500 else f"sha256:{raw_hash[:40]}"


def _date(msg: Message) -> datetime | None:
    value = msg.get("Date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # malformed encoded-words; the raw header is still better than nothing
        value = None
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def parse_message(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedMessage:
    """Parse one raw email. Raises `UnparseableMessage(reason)` for empty, binary, oversized or undecodable input."""
    if raw is None or not raw.strip():
        raise UnparseableMessage("empty: no bytes")
    if len(raw) > max_bytes:
        raise UnparseableMessage(f"oversized: {len(raw)} bytes > limit {max_bytes}")
    head = raw[:8192]
    if looks_binary(head):
        raise UnparseableMessage("binary: not an RFC 5322 message (control bytes in the header block)")
    content_hash = hashlib.sha256(raw).hexdigest()
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the stdlib parser is lenient; this is a genuine bug-level failure, report it
        raise UnparseableMessage(f"undecodable: email parser failed ({type(exc).__name__})") from exc
    if not any(msg.get(h) for h in ("From", "Subject", "Date", "Message-ID", "To", "Content-Type")):
        raise UnparseableMessage("no_headers: none of From/Subject/Date/Message-ID/To present")

    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    inner: list[ParsedMessage] = []
    guessed = False
    for part in msg.walk():
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype == "message/rfc822":
                for sub in part.get_payload() or []:
                    with contextlib.suppress(UnparseableMessage):
                        inner.append(parse_message(sub.as_bytes(policy=email.policy.default), max_bytes=max_bytes))
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and disposition != "inline") or (
            filename and not ctype.startswith("text/")
        ):
            data = part.get_payload(decode=True) or b""
            attachments.append(Attachment(filename=filename or "attachment", content_type=ctype, data=data))
            continue
        if ctype == "text/plain":
            text, g = _part_text(part)
            plain.append(text)
            guessed |= g
        elif ctype == "text/html":
            text, g = _part_text(part)
            html.append(text)
            guessed |= g

    body_raw = "\n\n".join(t for t in plain if t.strip())
    if not body_raw.strip() and html:
        body_raw = "\n\n".join(html_to_text(h) for h in html if h.strip())
    elif html and _is_thin(body_raw, html):
        # Some clients send a stub text/plain ("view in HTML") beside the real HTML body.
        body_raw = "\n\n".join(html_to_text(h) for h in html if h.strip())
    if _garbled(body_raw):
        raise UnparseableMessage("undecodable: body is mostly replacement or control characters")

    raw_subject = _header(msg, "Subject")
    text, fwd_subject, forwarded = clean_body(body_raw)
    subject = strip_subject_prefixes(fwd_subject or raw_subject)
    if not text and inner:
        # Forwarded as an attachment (message/rfc822): the attached original is the content.
        first = inner[0]
        text, subject, forwarded = first.text, first.subject or subject, True
        attachments.extend(first.attachments)
    text = _with_attached_jd(text, subject, attachments)
    if not text and not attachments:
        raise UnparseableMessage("empty_body: no text content and no attachments")
    return ParsedMessage(
        message_id=_message_id(msg, content_hash), subject=subject, from_addr=_from(msg), date=_date(msg),
        text=text, attachments=attachments, content_hash=content_hash, raw_subject=raw_subject,
        forwarded=forwarded, charset_fallback=guessed,
    )


_JD_HINT = re.compile(r"\b(jd|job\s*description|requirement|req|position\s*details|job\s*details)\b", re.IGNORECASE)


def _with_attached_jd(text: str, subject: str, attachments: list[Attachment]) -> str:
    """"Please find the JD attached": when the body is a stub and the mail or the file says it is a job
    description, the attachment's text is the requirement. Resumes attached to replies are left alone."""
    if len(re.sub(r"\s+", "", text)) >= 200 or not attachments:
        return text

    for att in attachments:
        if not (_JD_HINT.search(att.filename) or _JD_HINT.search(text) or _JD_HINT.search(subject)):
            continue
        if re.search(r"resume|cv\b|profile", att.filename, re.IGNORECASE):
            continue
        try:
            doc = document_text(att.filename, att.data, att.content_type)
        except UnparseableDocument:
            continue
        return f"{text}\n\n{doc}".strip() if text else doc
    return text


def _from(msg: Message) -> str | None:
    value = _header(msg, "From")
    if not value:
        return None
    _, addr = email.utils.parseaddr(value)
    return addr.lower() or value


def _is_thin(plain: str, html: list[str]) -> bool:
    plain_len = len(re.sub(r"\s+", "", plain))
    html_len = len(re.sub(r"\s+", "", html_to_text("\n".join(html))))
    return plain_len < 40 and html_len > 3 * max(plain_len, 1)


__all__ = ["DEFAULT_MAX_BYTES", "Attachment", "ParsedMessage", "UnparseableMessage", "parse_message"]
