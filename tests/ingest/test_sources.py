"""Source adapters: the folder drop (.eml, .mbox, Maildir, resumes) and IMAP against a real IMAP server."""

from __future__ import annotations

import mailbox
import os
import time
import uuid
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from ml.ingest.sources import FolderSource, ImapSettings, ImapSource, MessageSource, RateLimiter
from tests.ingest.imap_server import start_imap_server
from tests.ingest_support import vendor_email


@pytest.fixture
def imap_account():
    server = start_imap_server()
    user = f"u{uuid.uuid4().hex[:8]}"
    server.add_account(user, "secret")
    return ImapSettings(host=server.host, port=server.port, username=user, password="secret", security="none",
                        timeout_s=10)


def _append(settings: ImapSettings, *messages: bytes) -> None:
    """Deliver by IMAP APPEND. A flag is always given: Twisted 26's APPEND handler fails on an absent flag list."""
    with MailBoxUnencrypted(settings.host, settings.port, timeout=10).login(settings.username,
                                                                          settings.password) as box:
        for raw in messages:
            box.append(raw, "INBOX", flag_set=["\\Flagged"])


def _touch(path: Path, data: bytes, mtime_ns: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_imap_source_reads_new_messages_since_its_uid_cursor(imap_account):
    source = ImapSource(imap_account, rate_per_second=None)
    assert isinstance(source, MessageSource)
    assert source.poll(None).keys == []  # empty mailbox: nothing, and no error
    first = [vendor_email(message_id=f"<m{i}@imap.example>") for i in range(3)]
    _append(imap_account, *first)
    poll = source.poll(None)
    assert poll.keys == ["1", "2", "3"] and poll.cursor["uid"] == 3
    items = list(source.read(poll.keys))
    # byte-exact as stored: imaplib's APPEND sends CRLF line ends, BODY.PEEK[] returns them unchanged
    assert [i.data for i in items] == [m.replace(b"\n", b"\r\n") for m in first]
    assert source.poll(poll.cursor).keys == []  # "UID 4:*" still matches UID 3 on the wire; filtered out
    _append(imap_account, vendor_email(message_id="<m9@imap.example>"))
    later = source.poll(poll.cursor)
    assert later.keys == ["4"] and later.cursor["uid"] == 4


def test_imap_source_restarts_when_uidvalidity_changes(imap_account):
    source = ImapSource(imap_account, rate_per_second=None)
    _append(imap_account, vendor_email())
    stale = {"uidvalidity": 999_999, "uid": 50}
    assert source.poll(stale).keys == ["1"]


def test_imap_source_with_wrong_password_fails_loudly(imap_account):
    bad = ImapSettings(**{**imap_account.__dict__, "password": "wrong"})
    with pytest.raises(Exception, match=r"(?i)login|auth|credential"):
        ImapSource(bad).poll(None)


def test_folder_source_finds_eml_mbox_maildir_and_resumes_once(tmp_path):
    base = time.time_ns() - 10**10
    _touch(tmp_path / "a.eml", vendor_email(message_id="<a@x>"), base)
    box = mailbox.mbox(tmp_path / "batch.mbox")
    for i in range(2):
        box.add(vendor_email(message_id=f"<mbox{i}@x>"))
    box.flush()
    os.utime(tmp_path / "batch.mbox", ns=(base + 1, base + 1))
    md = mailbox.Maildir(tmp_path / "Maildir", create=True)
    key = md.add(vendor_email(message_id="<md@x>"))
    os.utime(Path(md._path) / "new" / key, ns=(base + 2, base + 2))
    _touch(tmp_path / "resumes" / "priya.txt", b"Name: Priya", base + 3)
    _touch(tmp_path / "notes.xlsx", b"ignored", base + 4)

    source = FolderSource(tmp_path)
    poll = source.poll(None)
    assert poll.keys == ["a.eml", "batch.mbox#0", "batch.mbox#1", f"Maildir/new/{key}"]
    assert poll.resume_keys == ["resumes/priya.txt"]
    items = {i.key: i.data for i in source.read(poll.keys)}
    assert b"<mbox1@x>" in items["batch.mbox#1"] and b"<md@x>" in items[f"Maildir/new/{key}"]
    assert source.poll(poll.cursor).keys == []

    # New mail: a new file, and a message appended to the mbox (only the new message is handed over).
    _touch(tmp_path / "b.eml", vendor_email(message_id="<b@x>"), base + 5)
    box = mailbox.mbox(tmp_path / "batch.mbox")
    box.add(vendor_email(message_id="<mbox2@x>"))
    box.flush()
    os.utime(tmp_path / "batch.mbox", ns=(base + 6, base + 6))
    later = source.poll(poll.cursor)
    assert later.keys == ["b.eml", "batch.mbox#2"]
    assert source.poll(later.cursor).keys == []


def test_folder_source_limit_moves_the_cursor_only_past_what_it_returned(tmp_path):
    base = time.time_ns() - 10**10
    for i in range(5):
        _touch(tmp_path / f"m{i}.eml", vendor_email(), base + i)
    source = FolderSource(tmp_path)
    first = source.poll(None, limit=2)
    rest = source.poll(first.cursor, limit=100)
    assert first.keys == ["m0.eml", "m1.eml"] and rest.keys == ["m2.eml", "m3.eml", "m4.eml"]


def test_folder_source_refuses_keys_outside_its_root(tmp_path):
    with pytest.raises(ValueError, match="escapes"):
        list(FolderSource(tmp_path).read(["../../etc/passwd"]))


def test_rate_limiter_spaces_acquisitions_beyond_the_burst():
    limiter = RateLimiter(rate=50, burst=2)
    start = time.perf_counter()
    for _ in range(7):
        limiter.acquire()
    elapsed = time.perf_counter() - start
    assert 0.08 <= elapsed < 1.0  # 5 tokens beyond the burst at 50/s = 0.1 s
    with pytest.raises(ValueError):
        RateLimiter(rate=0)
