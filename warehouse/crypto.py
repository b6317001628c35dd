"""Application-level encryption of the most sensitive columns, and keyed blind indexes for equality lookups.

The embedded server has no pgcrypto, and the database should not see the keys anyway: values are sealed here
with AES-256-GCM under a versioned keyring and stored as text `bc1:<key id>:<base64(nonce || ciphertext)>`
(the table and column are the associated data, so a ciphertext copied to another column does not open).
Equality lookups (dedupe by email, the data-subject lookup) use a blind index: HMAC-SHA256 of the normalized value
under a separate index key, which does not change when the encryption key rotates.

Keys come from `BENCHCRM_DATA_KEYS` ("id:base64key,id:base64key", the first encrypts, all decrypt) and
`BENCHCRM_DATA_INDEX_KEY` (base64), e.g. injected from a secret store; when unset (the embedded demo), from
`<data dir>/keys/data-keys.json`, generated on first use with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from warehouse.settings import Settings

PREFIX = "bc1"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyringError(RuntimeError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]          # id -> 32-byte key; insertion order: the current key first
    index_key: bytes
    _aead: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("the keyring has no data key")
        for kid, key in self.keys.items():
            if not _KEY_ID.match(kid) or len(key) != 32:
                raise KeyringError(f"data key {kid!r} must be a short id and 32 bytes")
            self._aead[kid] = AESGCM(key)
        if len(self.index_key) < 32:
            raise KeyringError("the index key must be at least 32 bytes")

    @property
    def current_id(self) -> str:
        return next(iter(self.keys))

    def encrypt(self, plaintext: str | None, context: str) -> str | None:
        if plaintext is None:
            return None
        nonce = secrets.token_bytes(12)
        sealed = self._aead[self.current_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{PREFIX}:{self.current_id}:{_b64(nonce + sealed)}"

    def decrypt(self, stored: str | None, context: str) -> str | None:
        if stored is None:
            return None
        prefix, kid, blob = _split(stored)
        if prefix != PREFIX:
            return stored  # not sealed (a row written before encryption, or by a writer that does not seal)
        if kid not in self._aead:
            raise KeyringError(f"no data key {kid!r} in the keyring (was it removed before rotation finished?)")
        raw = _unb64(blob)
        return self._aead[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()

    def key_id_of(self, stored: str | None) -> str | None:
        if stored is None:
            return None
        prefix, kid, _ = _split(stored)
        return kid if prefix == PREFIX else None

    def blind_index(self, value: str | None, kind: str) -> str | None:
        """HMAC of the normalized value, namespaced by kind ("email", "phone")."""
        normalized = normalize(value, kind)
        if not normalized:
            return None
        return hmac.new(self.index_key, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", "")


def normalize(value: str | None, kind: str) -> str:
    if value is None:
        return ""
    if kind == "phone":
        return re.sub(r"\D", "", value)
    return value.strip().lower()


def generate_key() -> str:
    return _b64(secrets.token_bytes(32))


def key_file(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "data-keys.json"


def _parse_env_keys(text: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        kid, sep, material = item.partition(":")
        if not sep:
            raise KeyringError("BENCHCRM_DATA_KEYS entries are id:base64key")
        keys[kid] = _unb64(material)
    return keys


def _write_private(path: Path, payload: dict, *, only_if_absent: bool = False) -> None:
    """Write the key file with mode 0600 atomically. `only_if_absent`: several processes starting on a fresh data
    folder race to create it; exactly one file wins (hard link, which fails if the name exists) and everyone reads
    that one, so no process encrypts under a key that is not on disk."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh, indent=1)
    if only_if_absent:
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    else:
        os.replace(tmp, path)


def load_keyring(settings: Settings) -> Keyring:
    if settings.data_keys is not None:
        if settings.data_index_key is None:
            raise KeyringError("BENCHCRM_DATA_KEYS is set but BENCHCRM_DATA_INDEX_KEY is not")
        return Keyring(_parse_env_keys(settings.data_keys.get_secret_value()),
                       _unb64(settings.data_index_key.get_secret_value()))
    path = key_file(settings)
    if not path.exists():
        _write_private(path, {"keys": [["k1", generate_key()]], "index_key": generate_key()}, only_if_absent=True)
    payload = json.loads(path.read_text())
    return Keyring({kid: _unb64(k) for kid, k in payload["keys"]}, _unb64(payload["index_key"]))


def add_key_to_file(settings: Settings) -> str:
    """A new current key in the data folder's key file (old keys stay, to decrypt until rotation finishes)."""
    if settings.data_keys is not None:
        raise KeyringError("keys come from BENCHCRM_DATA_KEYS: put the new key first there, then rotate")
    ring = load_keyring(settings)
    n = 1 + max((int(k[1:]) for k in ring.keys if k[1:].isdigit()), default=0)
    kid = f"k{n}"
    payload = json.loads(key_file(settings).read_text())
    payload["keys"] = [[kid, generate_key()], *payload["keys"]]
    _write_private(key_file(settings), payload)
    return kid


def drop_old_keys_from_file(settings: Settings, keep: str) -> None:
    payload = json.loads(key_file(settings).read_text())
    payload["keys"] = [k for k in payload["keys"] if k[0] == keep]
    _write_private(key_file(settings), payload)


_RINGS: dict[tuple[str, str, str], Keyring] = {}


def get_keyring(settings: Settings) -> Keyring:
    """The keyring for these settings, loaded (or generated) once per process."""
    cache_key = (str(settings.data_dir),
                 settings.data_keys.get_secret_value() if settings.data_keys else "",
                 settings.data_index_key.get_secret_value() if settings.data_index_key else "")
    ring = _RINGS.get(cache_key)
    if ring is None:
        ring = _RINGS[cache_key] = load_keyring(settings)
    return ring


def forget_keyrings() -> None:
    """After a rotation changed the key file: the next get_keyring reads it again."""
    _RINGS.clear()
