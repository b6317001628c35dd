"""What encrypting contact data costs: AES-GCM seal/open and the blind index per value, and a list page of 200
consultants through the API's row path (`open_row` + public model) with plaintext vs sealed email/phone.

    python benchmarks/sealing.py [--rows 200] [--repeat 200]

Prints figures; asserts nothing (no database needed).
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime

from serving.api.routes.consultants import RESOURCE
from warehouse.crypto import Keyring
from warehouse.sealed import open_row, seal


def _per_call(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    ring = Keyring({"k1": os.urandom(32)}, os.urandom(32))
    email, context = "ana.souza@example.com", "crm.consultant.email"
    sealed_value = ring.encrypt(email, context)
    n = 20_000
    print(f"encrypt   {_per_call(lambda: ring.encrypt(email, context), n) * 1e6:7.2f} µs/value")
    print(f"decrypt   {_per_call(lambda: ring.decrypt(sealed_value, context), n) * 1e6:7.2f} µs/value")
    print(f"blind idx {_per_call(lambda: ring.blind_index(email, 'email'), n) * 1e6:7.2f} µs/value")

    now = datetime.now(UTC)
    base = {"version": 1, "created_at": now, "updated_at": now, "full_name": "Ana Souza", "title": "Java Developer",
            "remote_ok": True, "willing_to_relocate": False, "status": "bench"}
    plain = [{**base, "id": uuid.uuid4(), "email": f"p{i}@example.com", "phone": "+1 214 555 0199"}
             for i in range(args.rows)]
    sealed_rows = [{**r, **seal("consultant", {"email": r["email"], "phone": r["phone"]}, ring)} for r in plain]

    def page(rows: list[dict]) -> None:
        for row in rows:
            RESOURCE.to_public(open_row("consultant", dict(row), ring))

    before = _per_call(lambda: page(plain), args.repeat)
    after = _per_call(lambda: page(sealed_rows), args.repeat)
    print(f"page of {args.rows}: plaintext {before * 1e3:.2f} ms, sealed {after * 1e3:.2f} ms, "
          f"ratio {after / before:.2f}x (+{(after - before) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
