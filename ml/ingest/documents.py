"""Attachment and resume bytes -> plain text: PDF (pypdf), DOCX (python-docx), HTML and plain text.

Anything else, or a document that yields no text (a scanned PDF without OCR, an encrypted file), raises
`UnparseableDocument(reason)` so the caller can quarantine it with that reason.
"""

from __future__ import annotations

import io
import re
import zipfile

from ml.ingest.charset import decode_bytes, looks_binary
from ml.ingest.html import html_to_text

DEFAULT_MAX_DOC_BYTES = 20 * 1024 * 1024


class UnparseableDocument(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _kind(filename: str, data: bytes, content_type: str | None) -> str:
    name = (filename or "").lower()
    ctype = (content_type or "").lower()
    if data.startswith(b"%PDF") or name.endswith(".pdf") or ctype == "application/pdf":
        return "pdf"
    if name.endswith(".docx") or "wordprocessingml" in ctype or (data.startswith(b"PK") and name.endswith(".docx")):
        return "docx"
    if name.endswith((".html", ".htm")) or ctype == "text/html":
        return "html"
    if name.endswith((".txt", ".text", ".md", ".csv", ".eml")) or ctype.startswith("text/"):
        return "text"
    if name.endswith(".doc") or ctype == "application/msword":
        return "doc"
    return "unknown"


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise UnparseableDocument("encrypted: PDF needs a password") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnparseableDocument:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise UnparseableDocument(f"corrupt_pdf: {type(exc).__name__}: {str(exc)[:120]}") from exc
    return "\n\n".join(pages)


def _docx_text(data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnparseableDocument(f"corrupt_docx: {type(exc).__name__}") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError for non-OOXML zips
        raise UnparseableDocument(f"corrupt_docx: {type(exc).__name__}") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                parts.append(f"{cells[0]}: {' | '.join(cells[1:])}" if len(cells) > 1 else cells[0])
    return "\n".join(parts)


def document_text(filename: str, data: bytes, content_type: str | None = None, *,
                  max_bytes: int = DEFAULT_MAX_DOC_BYTES) -> str:
    """Plain text of a document. Raises `UnparseableDocument(reason)` when there is no usable text."""
    if not data:
        raise UnparseableDocument("empty: no bytes")
    if len(data) > max_bytes:
        raise UnparseableDocument(f"oversized: {len(data)} bytes > limit {max_bytes}")
    kind = _kind(filename, data, content_type)
    if kind == "pdf":
        text = _pdf_text(data)
    elif kind == "docx":
        text = _docx_text(data)
    elif kind == "html":
        text = html_to_text(decode_bytes(data, None)[0])
    elif kind == "text":
        if looks_binary(data[:8192]):
            raise UnparseableDocument("binary: declared as text but contains control bytes")
        text = decode_bytes(data, None)[0]
    elif kind == "doc":
        raise UnparseableDocument("unsupported_format: legacy .doc (convert to .docx or PDF)")
    else:
        raise UnparseableDocument(f"unsupported_format: {filename or '?'} ({content_type or 'unknown type'})")
    text = re.sub(r"[ \t]+\n", "\n", text.replace("\x00", "")).strip()
    if not text:
        raise UnparseableDocument(f"no_text: {kind} contains no extractable text (scanned image?)")
    return text
