"""Property-based fuzzing: whatever arrives in the Authorization header or in a token's segments,
the answer is a clean 4xx and nothing is accepted."""

from __future__ import annotations

import asyncio
import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.backend.errors import AuthError, InvalidTokenError
from playground.backend.keys import JWKSKeySource
from playground.backend.verify import TokenVerifier

# What an HTTP client can put in a header value: visible ASCII and inner spaces/tabs.
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)
b64 = st.binary(max_size=200).map(lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(value=header_text.map(str.strip))
def test_any_authorization_header(api, value):
    response = api.get("/api/me", headers={"Authorization": value})
    assert response.status_code == 401, (value, response.text)
    assert response.json()["reason"]


@FUZZ
@given(token=header_text.filter(lambda t: t.strip() == t and t))
def test_any_bearer_token_text(api, token):
    response = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (401, 503), (token, response.text)


def segment_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@FUZZ
@given(
    header=st.one_of(b64, json_values.map(segment_of), st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "jwk"]), json_values).map(segment_of)),
    payload=st.one_of(b64, json_values.map(segment_of)),
    signature=st.one_of(b64, st.text(max_size=20)),
)
def test_any_token_segments_are_rejected_with_a_reason(issuer, header, payload, signature):
    settings_ = issuer.settings()
    verifier = TokenVerifier.from_settings(settings_, JWKSKeySource.from_settings(settings_), issuer.clock)

    async def attempt():
        try:
            await verifier.verify(f"{header}.{payload}.{signature}")
        finally:
            await verifier.key_source.aclose()

    try:
        asyncio.run(attempt())
    except AuthError as error:
        assert isinstance(error, InvalidTokenError) or error.status_code == 503
        return
    raise AssertionError("a fuzzed token was accepted")


@FUZZ
@given(claims=st.dictionaries(st.sampled_from(["exp", "iat", "nbf", "iss", "aud", "sub", "session", "user"]), json_values))
def test_genuinely_signed_tokens_with_fuzzed_claims_never_crash(api, issuer, claims):
    # Signed with the real key: only the claim checks stand between these and acceptance.
    from fake_issuer import sign_ed25519

    token = sign_ed25519({"alg": "EdDSA", "kid": issuer.kid}, claims, issuer.key)
    response = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, (claims, response.text)
