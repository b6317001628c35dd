"""Issue and verify access tokens.

Claims BenchCRM reads: `sub` (the user or service account), `tenant_id` (UUID; the ONLY source of the tenant),
`role` (one of the six roles; `roles[]` as sent by Keycloak/Entra app roles is accepted too), `sa` (true for
service accounts), plus the registered `iss`, `aud`, `exp`, `iat`, `jti`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from serving.auth.keys import SigningKey, dev_signing_key
from warehouse.settings import Settings

ROLES = ("Owner", "Admin", "Recruiter", "Sales", "Analyst", "ReadOnly")
ALGORITHMS = ["RS256"]


class AuthError(Exception):
    """The token is missing, malformed, forged, expired or for someone else; the message says which."""


@dataclass(frozen=True)
class Claims:
    subject: str
    tenant_id: uuid.UUID
    role: str
    is_service_account: bool
    token_id: str | None
    expires_at: int


def issue_token(settings: Settings, *, tenant_id: uuid.UUID, role: str, subject: str | None = None,
                minutes: int | None = None, service_account: bool = False, key: SigningKey | None = None,
                issuer: str | None = None, audience: str | None = None) -> str:
    """Sign a short-lived access token with the development key (or `key`)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    key = key or dev_signing_key(settings)
    now = int(time.time())
    lifetime = minutes if minutes is not None else settings.access_token_minutes
    claims: dict[str, Any] = {
        "sub": subject or (f"service:{uuid.uuid4()}" if service_account else str(uuid.uuid4())),
        "tenant_id": str(tenant_id), "role": role, "sa": service_account,
        "iss": issuer or settings.jwt_iss, "aud": audience or settings.jwt_aud,
        "iat": now, "nbf": now, "exp": now + lifetime * 60, "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


KEY_SET_SECONDS = 300  # how long the identity provider's key set is cached (a removed key is honoured this long)
VERIFIED_TOKENS_MAX = 10_000


class TokenVerifier:
    """Verify signature, `exp`, `iss`, `aud`; keys from `settings.jwks_url` or the local development key.

    A verified token's claims are remembered (docs/adr/0026) until it expires, but never longer than the key set
    is cached: a client sends the same token with every request, and an RS256 verification costs ~0.4 ms of the
    GIL. Nothing a later verification would decide differently is skipped: `exp` is the entry's end, `nbf`/`iat`
    once passed stay passed, and a key withdrawn from the key set stops mattering no later than it does today.
    Only tokens that verified are remembered, keyed by their exact text; the cache is bounded."""

    def __init__(self, settings: Settings, *, leeway_seconds: int = 30,
                 clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._leeway = leeway_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._verified: OrderedDict[str, tuple[float, Claims]] = OrderedDict()
        self._jwks: jwt.PyJWKClient | None = None
        self._dev_public: bytes | None = None
        if settings.jwks_url:
            # PyJWKClient caches the key set and refetches on an unknown kid (key rotation).
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=KEY_SET_SECONDS, timeout=5)

    def _key_for(self, token: str) -> Any:
        if self._jwks is not None:
            try:
                return self._jwks.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientConnectionError as exc:
                raise AuthError("the identity provider's key set is unreachable") from exc
            except jwt.PyJWKClientError as exc:
                raise AuthError("no signing key matches the token") from exc
            except jwt.DecodeError as exc:
                raise AuthError("malformed token") from exc
        with self._lock:
            if self._dev_public is None:
                self._dev_public = dev_signing_key(self._settings).public_pem
        return self._dev_public

    def preload(self) -> None:
        """Read the development key now (the warm start) instead of on the first request (~0.1 s); an identity
        provider's key set is still fetched on first use, so a start never depends on the IdP answering."""
        if self._jwks is None:
            self._key_for("")

    def cached(self, token: str) -> Claims | None:
        """The claims of a token this verifier accepted and that is still valid; None if it must be verified (which
        may fetch the identity provider's key set: callers on an event loop do that in a worker thread)."""
        with self._lock:
            hit = self._verified.get(token)
        return hit[1] if hit is not None and self._clock() < hit[0] else None

    def verify(self, token: str) -> Claims:
        hit = self.cached(token)
        if hit is not None:
            return hit
        now = self._clock()
        claims = self._verify(token)
        if claims.expires_at + self._leeway <= now:  # PyJWT's own check, on this verifier's clock
            raise AuthError("token expired")
        until = min(claims.expires_at + self._leeway, now + KEY_SET_SECONDS)
        with self._lock:
            self._verified[token] = (until, claims)
            self._verified.move_to_end(token)
            while len(self._verified) > VERIFIED_TOKENS_MAX:
                self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise AuthError("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise AuthError("token algorithm is not accepted (RS256 only)")
        key = self._key_for(token)
        try:
            payload = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=self._settings.jwt_aud, issuer=self._settings.jwt_iss,
                leeway=self._leeway, options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("token audience is not accepted") from exc  # never name the expected value
        except jwt.InvalidIssuerError as exc:
            raise AuthError("token issuer is not accepted") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("token signature does not verify") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the {exc.claim!r} claim") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("invalid token") from exc
        return _claims(payload)


def _claims(payload: dict[str, Any]) -> Claims:
    raw_tenant = payload.get("tenant_id")
    try:
        tenant_id = uuid.UUID(str(raw_tenant))
    except ValueError as exc:
        raise AuthError("token lacks a valid tenant_id claim") from exc
    role = payload.get("role")
    if role is None and isinstance(payload.get("roles"), list):
        # IdP app roles: the most privileged BenchCRM role listed wins
        role = next((r for r in ROLES if r in payload["roles"]), None)
    if role not in ROLES:
        raise AuthError("token carries no BenchCRM role")
    return Claims(subject=str(payload["sub"]), tenant_id=tenant_id, role=role,
                  is_service_account=bool(payload.get("sa", False)), token_id=payload.get("jti"),
                  expires_at=int(payload["exp"]))
