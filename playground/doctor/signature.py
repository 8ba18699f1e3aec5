"""Stage 4, signature: the backend's ``verify_signature`` with the key the key stage found."""

from __future__ import annotations

from jwt import PyJWK

from playground.backend.errors import InvalidTokenError
from playground.backend.verify import DecodedToken, verify_signature

from .findings import Finding


def check_signature(decoded: DecodedToken, key: PyJWK) -> Finding:
    try:
        verify_signature(decoded, key)
    except InvalidTokenError as error:
        return Finding.failed("signature", error)
    return Finding.passed("signature", "valid for the issuer's key")
