"""Ids of rows written on every recommendation: time-ordered UUIDs (RFC 9562 version 7).

A recommendation writes ~25 index entries (its run, ten items, their snapshots, the audit row). With random
(version 4) ids each landed on a random page of ever-growing B-trees, so after every checkpoint each write copied
whole 8 KiB pages into the WAL: 210 KiB of WAL per recommendation at 1.4M recommendations, a checkpoint every ~2
minutes (docs/adr/0036). Version 7 ids start with the time, so new entries share the right-most pages.
"""

from __future__ import annotations

import os
import time
import uuid

_RAND_A_BITS, _RAND_B_BITS = 12, 62


def time_ordered_uuid() -> uuid.UUID:
    """48 bits of Unix milliseconds, the version (7), 12 random bits, the variant (0b10), 62 random bits."""
    millis = time.time_ns() // 1_000_000 & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> (80 - _RAND_A_BITS)
    rand_b = rand & ((1 << _RAND_B_BITS) - 1)
    return uuid.UUID(int=millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)
