"""MIME parsing: edge cases land as precise UnparseableMessage reasons; good mail becomes clean text."""

from __future__ import annotations

import random
from email.message import EmailMessage
from pathlib import Path

import pytest

from ml.ingest.mime import UnparseableMessage, parse_message

CORPUS = Path(__file__).with_name("corpus")


def _message(body: str = "Role: Java Developer\nLocation: Dallas, TX", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.get("from", "Sam <sam@vendor.com>")
    msg["To"] = "bench@ourfirm.com"
    msg["Subject"] = headers.get("subject", "Java Developer - Dallas, TX")
    if "date" in headers:
        msg["Date"] = headers["date"]
    if "message_id" in headers:
        msg["Message-ID"] = headers["message_id"]
    msg.set_content(body)
    return msg


def test_a_21_mb_attachment_is_rejected_as_oversized_with_sizes_in_the_reason():
    msg = _message()
    msg.add_attachment(b"\x00" * (21 * 1024 * 1024), maintype="application", subtype="pdf", filename="big.pdf")
    with pytest.raises(UnparseableMessage) as err:
        parse_message(msg.as_bytes())
    assert err.value.reason.startswith("oversized:") and "limit 20971520" in err.value.reason


def test_the_size_limit_is_configurable():
    raw = _message().as_bytes()
    with pytest.raises(UnparseableMessage, match="oversized"):
        parse_message(raw, max_bytes=100)


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "empty"), (b"   \r\n\t", "empty"), (b"\x00\x01\x02\xff" * 500, "binary"),
    (b"just words, no headers at all\n", "no_headers"),
    (b"From: a@b.com\nSubject: hi\n\n", "empty_body"),
])
def test_bad_input_raises_a_precise_reason(raw, reason):
    with pytest.raises(UnparseableMessage) as err:
        parse_message(raw)
    assert err.value.reason.startswith(reason)


def test_random_bytes_never_crash_or_hang():
    rng = random.Random(7)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        try:
            parse_message(raw)
        except UnparseableMessage as exc:
            assert exc.reason


def test_headers_date_and_message_id_are_parsed():
    parsed = parse_message(_message(date="Tue, 24 Nov 2026 09:15:00 -0500", message_id="<abc@vendor.com>").as_bytes())
    assert parsed.message_id == "abc@vendor.com"
    assert parsed.date is not None and parsed.date.utcoffset() is not None and parsed.date.hour == 9
    assert parsed.from_addr == "sam@vendor.com"
    assert len(parsed.content_hash) == 64


def test_missing_message_id_falls_back_to_a_stable_content_hash():
    raw = _message().as_bytes()
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id.startswith("sha256:") and first.message_id == second.message_id


def test_forwarded_chain_is_unwrapped_and_the_forwarders_edit_kept_on_top():
    parsed = parse_message((CORPUS / "04_forwarded_with_edit.eml").read_bytes())
    assert parsed.forwarded and parsed.subject == "Java Developer || Dallas, TX || C2C"
    assert parsed.text.startswith("Rate updated to $72/hr C2C")
    assert "Role: Java Developer" in parsed.text
    assert "Ravi K" not in parsed.text and "Prime Vendor Inc" not in parsed.text  # signatures gone
    assert "From: Prime Vendor" not in parsed.text


def test_outlook_original_message_and_rfc822_attachment_forwards_are_unwrapped():
    outlook = parse_message((CORPUS / "25_outlook_original_message.eml").read_bytes())
    assert outlook.subject == "Workday Integration Consultant - Remote" and "Sent:" not in outlook.text
    attached = parse_message((CORPUS / "24_forward_as_attachment.eml").read_bytes())
    assert attached.subject == "Mainframe Developer - Richmond, VA" and "Role: Mainframe Developer" in attached.text


def test_quoted_replies_signatures_and_disclaimers_are_stripped():
    parsed = parse_message((CORPUS / "05_quoted_reply_stripped.eml").read_bytes())
    assert "Golang" not in parsed.text and "wrote:" not in parsed.text
    sig = parse_message((CORPUS / "01_labelled_hybrid.eml").read_bytes())
    assert "Bill s.1618" not in sig.text and "Oracle Gold Partner" not in sig.text
    assert "Nice to have: Kafka, dbt, Terraform" in sig.text


def test_html_tables_become_key_value_lines():
    parsed = parse_message((CORPUS / "03_html_table.eml").read_bytes())
    assert "Job Title: Salesforce Developer" in parsed.text and "Rate: $60/hr C2C" in parsed.text
    assert "<td>" not in parsed.text and "font-family" not in parsed.text


@pytest.mark.parametrize("name", ["15_windows1252", "16_wrong_charset_latin1_declared_utf8"])
def test_non_utf8_and_mislabelled_charsets_decode_without_mojibake(name):
    parsed = parse_message((CORPUS / f"{name}.eml").read_bytes())
    assert "\ufffd" not in parsed.text
    assert ("café" in parsed.text) or ("Zürich" in parsed.text)


def test_attachments_are_extracted_with_their_bytes():
    msg = _message()
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="JD.pdf")
    parsed = parse_message(msg.as_bytes())
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("JD.pdf", "application/pdf", b"%PDF-1.4 fake")]


def test_a_stub_body_with_an_attached_jd_takes_the_attachments_text():
    msg = _message("Hi, please find the JD attached and share profiles.", subject="Requirement: Data Engineer")
    jd = b"Role: Data Engineer\nLocation: Austin, TX (Hybrid)\nRate: $70/hr C2C\nSkills: Python, Spark"
    msg.add_attachment(jd, maintype="text", subtype="plain", filename="JD_Data_Engineer.txt")
    parsed = parse_message(msg.as_bytes())
    assert parsed.text.startswith("Hi, please find the JD attached") and "Rate: $70/hr C2C" in parsed.text
    assert parsed.attachments[0].filename == "JD_Data_Engineer.txt"


def test_an_attached_resume_does_not_become_the_body():
    msg = _message("Hi, please find the resume of Ravi attached for the Java role.", subject="Re: Java Developer")
    msg.add_attachment(b"Ravi K\nSenior Java Developer\nSkills: Java", maintype="text", subtype="plain",
                       filename="Ravi_Resume.txt")
    assert "Senior Java Developer" not in parse_message(msg.as_bytes()).text
