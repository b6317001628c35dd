"""JSON text for jsonb parameters: what Postgres parses, not what anyone hashes or reads byte for byte.

orjson writes a recommendation's rows and snapshots several times faster than the standard library; json.dumps of
them was ~3 % of an API worker's interpreter time per recommendation at 100k consultants (issue 12). Values it has
no encoder for become their `str`, as `json.dumps(default=str)` made them; a NaN becomes null, which jsonb accepts
(it refuses the bare NaN json.dumps writes). Canonical text that is hashed (the audit log's content hashes) keeps
the standard library's exact form.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str, option=_OPTIONS).decode()
