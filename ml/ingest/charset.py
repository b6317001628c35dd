"""Bytes to text for mail parts and attachments: charset fallbacks and a binary sniff, shared by `mime` and
`documents` (which both decode payloads)."""

from __future__ import annotations


def decode_bytes(payload: bytes, declared: str | None) -> tuple[str, bool]:
    """Bytes -> str trying the declared charset, then UTF-8, then a detector, then cp1252. Returns (text, guessed)."""
    for i, cs in enumerate([declared, "utf-8"]):
        if not cs:
            continue
        try:
            return payload.decode(_charset_alias(cs)), i > 0 and bool(declared)
        except (LookupError, UnicodeDecodeError):
            continue
    if b"\x00" not in payload:
        # Mis-labelled Western mail is nearly always windows-1252; a detector on short text guesses wildly (UTF-16).
        try:
            return payload.decode("cp1252"), True
        except UnicodeDecodeError:
            pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(payload).best()
        if best is not None:
            return str(best), True
    except Exception:  # the detector is a best effort; cp1252 below always answers
        pass
    return payload.decode("cp1252", errors="replace"), True


def _charset_alias(cs: str) -> str:
    cs = cs.strip().strip('"').lower()
    # Mail clients routinely label windows-1252 as latin-1; cp1252 is a superset for printable text.
    return {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
            "ascii": "cp1252"}.get(cs, cs)


def looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    printable = sum(1 for b in sample if b in (9, 10, 13) or 32 <= b < 127 or b >= 128)
    high = sum(1 for b in sample if b >= 128)
    # Real mail is 7-bit or mostly-text 8-bit; random bytes are ~50% high-bit with control characters.
    return printable / len(sample) < 0.95 or high / len(sample) > 0.3
