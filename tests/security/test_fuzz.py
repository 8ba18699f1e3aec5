"""Property-based fuzzing: whatever arrives in the Authorization header or in a token's segments,
the answer is a clean 4xx and nothing is accepted. The HTTP surface is fuzzed through a real
server; token contents through the verifier itself (every exception it could raise that is not an
AuthError would be a 500 over HTTP), which is fast enough for many more examples."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json

import pytest
from fake_issuer import sign_ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.backend.errors import AuthError, InvalidTokenError
from playground.backend.keys import JWKSKeySource
from playground.backend.verify import TokenVerifier

# What an HTTP client can put in a header value: visible ASCII and inner spaces/tabs.
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)
b64 = st.binary(max_size=200).map(lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode())
# A JavaScript string: any UTF-16 code unit, so lone surrogates (which Better Auth stores and signs)
# and control characters, boosted because a uniform draw almost never picks them.
js_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=[]) | st.characters(categories=["Cs", "Cc", "Cf"]),
    max_size=20,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | js_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(js_text, children, max_size=4),
    max_leaves=10,
)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


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


@pytest.fixture(scope="module")
def check(issuer):
    """check(token): run the real verifier on one event loop for all examples (keys fetched once).
    Returns normally only if the token was *rejected* with an AuthError; anything else fails."""
    loop = asyncio.new_event_loop()
    settings_ = issuer.settings()
    verifier = TokenVerifier.from_settings(settings_, JWKSKeySource.from_settings(settings_), issuer.clock)

    def run(token: str) -> AuthError:
        try:
            loop.run_until_complete(verifier.verify(token))
        except AuthError as error:
            # The verifier's only outcomes: a 401 reason, or a 503 when keys cannot be had.
            assert isinstance(error, InvalidTokenError) or error.status_code == 503, error
            return error
        raise AssertionError(f"accepted: {token}")

    yield run
    loop.run_until_complete(verifier.key_source.aclose())
    loop.close()


@FUZZ
@given(
    header=st.one_of(
        b64,
        json_values.map(segment_of),
        st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "jwk"]), json_values).map(segment_of),
    ),
    payload=st.one_of(b64, json_values.map(segment_of)),
    signature=st.one_of(b64, st.text(max_size=20)),
)
def test_any_token_segments_are_rejected_with_a_reason(check, header, payload, signature):
    check(f"{header}.{payload}.{signature}")


@FUZZ
@given(
    claims=st.dictionaries(st.sampled_from(["exp", "iat", "nbf", "iss", "aud", "sub", "session", "user"]), json_values)
)
def test_genuinely_signed_tokens_with_fuzzed_claims_are_rejected(check, issuer, claims):
    # Signed with the real key: only the claim checks stand between these and acceptance.
    check(sign_ed25519({"alg": "EdDSA", "kid": issuer.kid}, claims, issuer.key))


@FUZZ
@given(
    extra=st.dictionaries(
        st.one_of(
            st.sampled_from(
                [
                    "role",
                    "email",
                    "emailVerified",
                    "email_verified",
                    "name",
                    "image",
                    "softwareBackground",
                    "software_background",
                    "interestArea",
                    "id",
                    "jti",
                    "model_config",
                    "roles",
                    "__class__",
                ]
            ),
            st.text(max_size=12),
        ),
        json_values,
        max_size=6,
    )
)
def test_a_valid_token_with_fuzzed_custom_claims_gives_a_typed_user(api, issuer, extra):
    # Identity and time claims fixed and valid: whatever else the payload says, /api/me answers 200
    # with sub as the id (never a 500 from building the user object). A generated "nbf" is a time
    # claim, not a custom one (its odd values are refused: tests/security/test_time_values.py).
    claims = {k: v for k, v in extra.items() if k not in ("id", "nbf")} | {
        k: v for k, v in issuer.claims().items() if k in ("sub", "iat", "exp", "iss", "aud")
    }
    token = sign_ed25519({"alg": "EdDSA", "kid": issuer.kid}, claims, issuer.key)
    response = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, (claims, response.text)
    assert response.json()["id"] == "user-ada"


USER_FIELDS = ["name", "email", "image", "role", "softwareBackground", "hardwareBackground", "interestArea"]


@FUZZ
@given(field=st.sampled_from(USER_FIELDS), text=js_text)
def test_any_string_better_auth_signs_into_a_user_field_is_served_as_is(api, issuer, field, text):
    token = issuer.mint(**{field: text})
    response = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, (field, text, response.text)
    assert json.loads(response.content)[field] == text  # carried through, JSON-escaped where needed


def send_raw(api, headers: list[tuple[str, bytes]]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(api.base_url.host, api.base_url.port, timeout=10)
    connection.putrequest("GET", "/api/session/me")
    for name, value in headers:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


# Header bytes a client can send at all (http.client refuses a bare CR or LF): any other byte.
header_bytes = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@FUZZ
@given(raw=header_bytes, form=st.sampled_from(["cookie", "quoted cookie escapes", "bearer"]))
def test_any_session_credential_bytes_are_a_4xx_never_a_5xx(api, issuer, raw, form):
    """Bytes as they arrive, including the octal escapes of a quoted cookie (which Starlette turns
    back into any byte, CR and LF included): refused with a reason, never forwarded into a crash."""
    issuer.session_body = "null"
    if form == "cookie":
        headers = [("Cookie", b"better-auth.session_token=" + raw)]
    elif form == "quoted cookie escapes":
        headers = [("Cookie", b'better-auth.session_token="' + b"".join(b"\\%03o" % byte for byte in raw) + b'"')]
    else:
        headers = [("Authorization", b"Bearer " + raw)]
    response = send_raw(api, headers)
    assert 400 <= response.status < 500, (form, raw, response.status)
    if response.status == 401:
        assert response.getheader("www-authenticate", "").startswith("Bearer")
