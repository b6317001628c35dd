"""Authentication: RS256 JWTs checked for signature, exp, iss and aud; keys from an OIDC JWKS URL or the local
development key."""

from serving.auth.tokens import AuthError, Claims, TokenVerifier, issue_token

__all__ = ["AuthError", "Claims", "TokenVerifier", "issue_token"]
