"""The local development signing key: an RSA key pair stored under `settings.data_dir/auth/`, created on first use.

Only used when no OIDC JWKS URL is configured; production deployments point `BENCHCRM_JWKS_URL` at their IdP.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from warehouse.settings import Settings


@dataclass(frozen=True)
class SigningKey:
    private_pem: bytes
    public_pem: bytes
    kid: str


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "auth" / "dev-jwt-key.pem"


def _kid(public_pem: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(public_pem).digest()[:12]).decode().rstrip("=")


def signing_key_from_pem(private_pem: bytes) -> SigningKey:
    key = serialization.load_pem_private_key(private_pem, password=None)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKey(private_pem, public_pem, _kid(public_pem))


def generate_private_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def dev_signing_key(settings: Settings) -> SigningKey:
    """Load the development key, creating it (mode 0600) if it does not exist yet."""
    path = key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = generate_private_pem()
        # Each process writes its own temporary file and links it in only if no key exists yet: processes racing
        # (the workers of `benchcrm serve --workers N` warming up at once) all end up reading the one that won,
        # so a token signed by any of them verifies in every other.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return signing_key_from_pem(path.read_bytes())
