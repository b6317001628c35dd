from __future__ import annotations

import io

import pytest

from ml.ingest.documents import UnparseableDocument, document_text


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF with a Helvetica text stream (pypdf cannot author text, so build it by hand)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_pdf_text_is_extracted():
    assert "Senior Java Developer" in document_text("resume.pdf", _pdf("Senior Java Developer - Dallas, TX"))


def test_docx_paragraphs_and_tables_are_extracted(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Jane Doe")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Skills"
    table.rows[0].cells[1].text = "Java, AWS"
    buffer = io.BytesIO()
    document.save(buffer)
    text = document_text("jane.docx", buffer.getvalue())
    assert "Jane Doe" in text and "Skills: Java, AWS" in text


def test_html_and_text_documents():
    assert document_text("jd.html", b"<p>Role: <b>QA</b></p>") == "Role: QA"
    assert document_text("jd.txt", "Caf\xe9".encode("latin-1")) == "Café"


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("x.pdf", b"%PDF-1.4 garbage", "corrupt_pdf"), ("x.docx", b"PK\x03\x04nope", "corrupt_docx"),
    ("x.doc", b"\xd0\xcf\x11\xe0", "unsupported_format"), ("x.bin", b"\x00\x01", "unsupported_format"),
    ("x.txt", b"", "empty"), ("x.txt", b"\x00\x01\x02" * 10, "binary"),
])
def test_bad_documents_raise_a_precise_reason(name, data, reason):
    with pytest.raises(UnparseableDocument) as err:
        document_text(name, data)
    assert err.value.reason.startswith(reason)
