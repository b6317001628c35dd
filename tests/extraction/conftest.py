"""A tiny OpenAI-compatible server on 127.0.0.1 for the gateway tests: each test queues the replies it wants."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FakeLLM:
    def __init__(self) -> None:
        self.replies: list[dict] = []  # {"status", "content" | "body", "hang", "usage"}
        self.requests: list[dict] = []
        self.server: ThreadingHTTPServer | None = None
        # A reply with hang=True answers only once this is set (at teardown): a timeout without guessing durations.
        self.release = threading.Event()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, content: str | None = None, *, status: int = 200, hang: bool = False, body: str | None = None,
              prompt_tokens: int = 120, completion_tokens: int = 80) -> None:
        self.replies.append({"status": status, "content": content, "hang": hang, "body": body,
                             "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}})


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            fake.requests.append({"path": self.path, "json": json.loads(self.rfile.read(length) or b"{}")})
            spec = fake.replies.pop(0) if fake.replies else {"status": 500, "content": None, "hang": False,
                                                              "body": "no reply queued", "usage": {}}
            if spec["hang"]:
                fake.release.wait(30)
            if spec["body"] is not None:
                payload = spec["body"].encode()
            else:
                payload = json.dumps({"id": "x", "object": "chat.completion", "model": "fake",
                                      "choices": [{"index": 0, "message": {"role": "assistant",
                                                                           "content": spec["content"]}}],
                                      "usage": spec["usage"]}).encode()
            try:
                self.send_response(spec["status"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args) -> None:
            pass

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server.daemon_threads = True
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.release.set()
    fake.server.shutdown()
    fake.server.server_close()
