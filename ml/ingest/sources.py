"""Where raw messages and resume files come from: adapters behind one `MessageSource` protocol.

Each source answers two questions, so the Dagster sensor can be cheap and the asset can be exact:
- `poll(cursor)`: which items are new since `cursor` (keys only, no bodies), and the cursor after them;
- `read(keys)`: the raw bytes of exactly those items.
A cursor is an opaque JSON-able dict owned by the source. Nothing is re-read once a cursor has moved past it.

Sources are rate-limited (a token bucket per source) so a big backlog cannot hammer a mail server.
"""

from __future__ import annotations

import mailbox
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

EMAIL_SUFFIXES = (".eml",)
MBOX_SUFFIXES = (".mbox",)
RESUME_SUFFIXES = (".pdf", ".docx", ".txt")
SourceName = Literal["folder", "imap", "api", "seed"]


@dataclass(frozen=True)
class RawItem:
    """One message (or resume file) as fetched: a key stable within its source, and the bytes."""

    source: SourceName
    key: str
    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class Poll:
    """New item keys since a cursor, and the cursor to store once they are handed over."""

    keys: list[str]
    cursor: dict[str, Any]
    resume_keys: list[str] = field(default_factory=list)


@runtime_checkable
class MessageSource(Protocol):
    name: SourceName

    def poll(self, cursor: dict[str, Any] | None, *, limit: int = 500) -> Poll: ...

    def read(self, keys: Iterable[str]) -> Iterator[RawItem]: ...


class RateLimiter:
    """Token bucket: at most `rate` acquisitions per second on average, bursts up to `burst`. `rate=None`: no limit."""

    def __init__(self, rate: float | None, burst: int = 10) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (or None for unlimited)")
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping if needed. Returns the seconds slept."""
        if self.rate is None:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            wait = (1 - self._tokens) / self.rate
            self._tokens = 0.0
            self._last = now + wait
        time.sleep(wait)
        return wait


# --------------------------------------------------------------------------------------------------- folder drop


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


class FolderSource:
    """A folder drop: `.eml` files, `.mbox` files and Maildir folders (any depth), plus resume files.

    Item keys are paths relative to the root; a message inside an mbox is `path#index`. The cursor is a high-water
    mark over (mtime_ns, relative path) plus, per mbox, how many messages were already handed over, so an mbox
    that grows is read from where it stopped. A file written with an mtime older than the mark is not seen: drop
    files by writing or moving them in, as mail delivery does.
    """

    name: SourceName = "folder"

    def __init__(self, root: Path | str, *, rate_per_second: float | None = None, include_resumes: bool = True):
        self.root = Path(root)
        self.limiter = RateLimiter(rate_per_second)
        self.include_resumes = include_resumes

    # -- listing
    def _entries(self) -> list[tuple[int, str, str]]:
        """(mtime_ns, relative path, kind) for every candidate file; kind in email|mbox|maildir|resume."""
        if not self.root.is_dir():
            return []
        out: list[tuple[int, str, str]] = []
        maildirs = [p for p in self.root.rglob("*") if _is_maildir(p)]
        in_maildir = {p.resolve() for p in maildirs}
        for path in self.root.rglob("*"):
            if not path.is_file() or path.name.startswith("."):
                continue
            parent = path.parent
            if parent.name in ("cur", "new") and parent.parent.resolve() in in_maildir:
                kind = "maildir"
            elif parent.name == "tmp" and parent.parent.resolve() in in_maildir:
                continue  # Maildir delivery in progress: the file moves to new/ when complete
            else:
                lower = path.name.lower()
                if lower.endswith(EMAIL_SUFFIXES):
                    kind = "email"
                elif lower.endswith(MBOX_SUFFIXES):
                    kind = "mbox"
                elif self.include_resumes and lower.endswith(RESUME_SUFFIXES):
                    kind = "resume"
                else:
                    continue
            stat = path.stat()
            out.append((stat.st_mtime_ns, path.relative_to(self.root).as_posix(), kind))
        out.sort()
        return out

    def poll(self, cursor: dict[str, Any] | None, *, limit: int = 500) -> Poll:
        cursor = dict(cursor or {})
        mark = tuple(cursor.get("mark") or (0, ""))
        mbox_seen: dict[str, int] = dict(cursor.get("mbox") or {})
        keys: list[str] = []
        resumes: list[str] = []
        new_mark = mark
        for mtime_ns, rel, kind in self._entries():
            if (mtime_ns, rel) <= mark:
                continue
            if len(keys) + len(resumes) >= limit:
                break
            if kind == "mbox":
                count = len(mailbox.mbox(self.root / rel, create=False))
                seen = mbox_seen.get(rel, 0)
                keys.extend(f"{rel}#{i}" for i in range(seen, count))
                mbox_seen[rel] = count
            elif kind == "resume":
                resumes.append(rel)
            else:
                keys.append(rel)
            new_mark = (mtime_ns, rel)
        return Poll(keys=keys, resume_keys=resumes, cursor={"mark": list(new_mark), "mbox": mbox_seen})

    def all_keys(self) -> Poll:
        """Every item in the folder, ignoring any cursor (a full re-materialization)."""
        return self.poll(None, limit=10**9)

    # -- reading
    def read(self, keys: Iterable[str]) -> Iterator[RawItem]:
        boxes: dict[str, mailbox.mbox] = {}
        for key in keys:
            self.limiter.acquire()
            rel, _, index = key.partition("#")
            path = self._safe_path(rel)
            if index:
                box = boxes.get(rel) or boxes.setdefault(rel, mailbox.mbox(path, create=False))
                data = box.get_bytes(box.keys()[int(index)], from_=False)
            else:
                data = path.read_bytes()
            yield RawItem(source="folder", key=key, data=data, filename=path.name)

    def _safe_path(self, rel: str) -> Path:
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key escapes the inbox folder: {rel!r}")
        return path


# --------------------------------------------------------------------------------------------------------- IMAP

_UID_IN_FETCH = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    username: str = ""
    password: str = ""
    folder: str = "INBOX"
    security: Literal["ssl", "starttls", "none"] = "ssl"
    timeout_s: float = 30.0


class ImapSource:
    """An IMAP mailbox read with imap-tools. The cursor is (UIDVALIDITY, last UID handed over).

    If the server's UIDVALIDITY changes, UIDs were renumbered: the cursor restarts from 0 and the pipeline's
    Message-ID idempotency turns the re-read into no-ops. Fetches use BODY.PEEK[] so nothing is marked seen.
    """

    name: SourceName = "imap"

    def __init__(self, settings: ImapSettings, *, rate_per_second: float | None = 50.0, batch: int = 50):
        self.settings = settings
        self.limiter = RateLimiter(rate_per_second, burst=batch)
        self.batch = batch

    def _connect(self):
        from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

        s = self.settings
        if s.security == "ssl":
            box = MailBox(s.host, s.port, timeout=s.timeout_s)
        elif s.security == "starttls":
            box = MailBoxStartTls(s.host, s.port, timeout=s.timeout_s)
        else:
            box = MailBoxUnencrypted(s.host, s.port, timeout=s.timeout_s)
        return box.login(s.username, s.password, initial_folder=s.folder)

    def _uidvalidity(self, box) -> int:
        return int(box.folder.status(self.settings.folder, ["UIDVALIDITY"])["UIDVALIDITY"])

    def poll(self, cursor: dict[str, Any] | None, *, limit: int = 500) -> Poll:
        cursor = dict(cursor or {})
        with self._connect() as box:
            validity = self._uidvalidity(box)
            last = int(cursor.get("uid", 0)) if cursor.get("uidvalidity") == validity else 0
            # "UID n:*" always matches the highest UID even when it is below n (RFC 3501), so filter here.
            found = sorted(int(u) for u in box.uids(f"UID {last + 1}:*"))
            new = [u for u in found if u > last][:limit]
        next_uid = new[-1] if new else last
        return Poll(keys=[str(u) for u in new], cursor={"uidvalidity": validity, "uid": next_uid})

    def read(self, keys: Iterable[str]) -> Iterator[RawItem]:
        uids = [str(int(k)) for k in keys]
        if not uids:
            return
        with self._connect() as box:
            for start in range(0, len(uids), self.batch):
                chunk = uids[start:start + self.batch]
                for _ in chunk:
                    self.limiter.acquire()
                typ, data = box.client.uid("FETCH", ",".join(chunk), "(UID BODY.PEEK[])")
                if typ != "OK":
                    raise ImapError(f"UID FETCH {chunk[0]}..{chunk[-1]} failed: {typ} {data!r}")
                for part in data:
                    if not isinstance(part, tuple):
                        continue
                    match = _UID_IN_FETCH.search(part[0])
                    if match is None:
                        raise ImapError(f"FETCH response without a UID: {part[0][:80]!r}")
                    yield RawItem(source="imap", key=match.group(1).decode(), data=part[1])


class ImapError(RuntimeError):
    pass
