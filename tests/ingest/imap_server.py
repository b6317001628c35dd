"""A real IMAP4rev1 server for tests: Twisted's `twisted.mail.imap4.IMAP4Server` over an in-memory mailbox,
listening on 127.0.0.1 on a random port, its reactor running in a daemon thread.

The reactor can run only once per process, so one server serves the whole test session; each test gets its own
account (user name) so mailboxes never mix. Messages are appended by real IMAP clients (APPEND) in the tests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from io import BytesIO

from twisted.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer, protocol
from twisted.mail import imap4
from zope.interface import implementer


@implementer(imap4.IMessage, imap4.IMessageFile)
class _Message:
    def __init__(self, raw: bytes, uid: int, flags: list[str], date: str | None) -> None:
        self.raw, self.uid, self.flags, self.date = raw, uid, list(flags), date
        head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        self._headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\n"):
            if ":" in line and not line[:1].isspace():
                name, _, value = line.partition(":")
                self._headers[name.strip().lower()] = value.strip()
        self._body = body

    # IMessageFile: the exact bytes we were given are what FETCH BODY[] returns
    def open(self):
        return BytesIO(self.raw)

    def getUID(self) -> int:
        return self.uid

    def getFlags(self):
        return self.flags

    def getInternalDate(self) -> str:
        return self.date or "01-Jan-2026 00:00:00 +0000"

    def getHeaders(self, negate, *names):
        wanted = {n.lower() if isinstance(n, str) else n.decode().lower() for n in names}
        return {k: v for k, v in self._headers.items() if (k in wanted) != bool(negate) or not names}

    def getBodyFile(self):
        return BytesIO(self._body)

    def getSize(self) -> int:
        return len(self.raw)

    def isMultipart(self) -> bool:
        return False

    def getSubPart(self, part):
        raise TypeError("not multipart")


@implementer(imap4.IMailboxInfo, imap4.IMailbox)
class MemoryMailbox:
    """An IMAP mailbox held in memory. UIDs start at 1 and only grow, as RFC 3501 requires."""

    def __init__(self, uidvalidity: int = 1) -> None:
        self.messages: list[_Message] = []
        self.next_uid = 1
        self.uidvalidity = uidvalidity
        self.listeners: list = []
        self._lock = threading.Lock()

    def getFlags(self):
        return ["\\Seen", "\\Deleted"]

    def getHierarchicalDelimiter(self):
        return "/"

    def getUIDValidity(self) -> int:
        return self.uidvalidity

    def getUIDNext(self) -> int:
        return self.next_uid

    def getUID(self, message: int) -> int:
        return self.messages[message - 1].uid

    def getMessageCount(self) -> int:
        return len(self.messages)

    def getRecentCount(self) -> int:
        return 0

    def getUnseenCount(self) -> int:
        return sum("\\Seen" not in m.flags for m in self.messages)

    def isWriteable(self) -> bool:
        return True

    def destroy(self) -> None:
        self.messages.clear()

    def requestStatus(self, names):
        return imap4.statusRequestHelper(self, names)

    def addListener(self, listener) -> None:
        self.listeners.append(listener)

    def removeListener(self, listener) -> None:
        self.listeners.remove(listener)

    def addMessage(self, message, flags=(), date=None):
        raw = message.read() if hasattr(message, "read") else bytes(message)
        with self._lock:
            self.messages.append(_Message(raw, self.next_uid, list(flags), date))
            self.next_uid += 1
        return defer.succeed(None)

    def expunge(self):
        gone = [i for i, m in enumerate(self.messages, 1) if "\\Deleted" in m.flags]
        self.messages = [m for m in self.messages if "\\Deleted" not in m.flags]
        return gone

    def fetch(self, messages, uid):
        if uid:
            messages.last = self.messages[-1].uid if self.messages else 1
        else:
            messages.last = max(len(self.messages), 1)
        return [(seq, m) for seq, m in enumerate(list(self.messages), 1) if (m.uid if uid else seq) in messages]

    def store(self, messages, flags, mode, uid):
        result = {}
        for seq, msg in self.fetch(messages, uid):
            if mode == 0:
                msg.flags = list(flags)
            elif mode == 1:
                msg.flags = sorted(set(msg.flags) | set(flags))
            else:
                msg.flags = [f for f in msg.flags if f not in flags]
            result[seq] = msg.flags
        return result


class _Account(imap4.MemoryAccount):
    def _emptyMailbox(self, name, id):
        return MemoryMailbox(uidvalidity=id + 1)


@implementer(IRealm)
class _Realm:
    def __init__(self, accounts: dict[bytes, _Account]) -> None:
        self.accounts = accounts

    def requestAvatar(self, avatar_id, mind, *interfaces):
        account = self.accounts[avatar_id]
        return imap4.IAccount, account, lambda: None


@dataclass
class ImapTestServer:
    """Handle on the running server: host/port, and `add_account(user, password)` for a fresh mailbox."""

    host: str
    port: int
    _checker: InMemoryUsernamePasswordDatabaseDontUse
    _accounts: dict[bytes, _Account] = field(default_factory=dict)

    def add_account(self, user: str, password: str) -> MemoryMailbox:
        account = _Account(user.encode())
        account.addMailbox("INBOX")
        self._accounts[user.encode()] = account
        self._checker.addUser(user.encode(), password.encode())
        return account.mailboxes["INBOX"]


_SERVER: ImapTestServer | None = None


def start_imap_server() -> ImapTestServer:
    """Start (once per process) the reactor thread with an IMAP server on 127.0.0.1:<random port>."""
    global _SERVER
    if _SERVER is not None:
        return _SERVER
    from twisted.internet import reactor

    checker = InMemoryUsernamePasswordDatabaseDontUse()
    accounts: dict[bytes, _Account] = {}
    portal = Portal(_Realm(accounts), [checker])

    class Factory(protocol.Factory):
        def buildProtocol(self, addr):
            server = imap4.IMAP4Server()
            server.portal = portal
            server.factory = self
            return server

    ready = threading.Event()
    box: dict[str, int] = {}

    def listen() -> None:
        port = reactor.listenTCP(0, Factory(), interface="127.0.0.1")
        box["port"] = port.getHost().port
        ready.set()

    reactor.callWhenRunning(listen)
    thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False}, daemon=True,
                              name="imap-test-reactor")
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the test IMAP server did not start within 10 s")
    _SERVER = ImapTestServer(host="127.0.0.1", port=box["port"], _checker=checker, _accounts=accounts)
    return _SERVER
