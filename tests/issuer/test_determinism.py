"""deterministic=True with a frozen clock: the same calls give byte-identical answers."""

from __future__ import annotations

import jwt

from playground.clock import Clock
from playground.issuer.keys import DEMO_KEY_LABEL


def run_lesson(start_issuer) -> list[str]:
    # A fixed base URL: iss/aud must not depend on the port each run happens to get.
    issuer = start_issuer(deterministic=True, clock=Clock.frozen(), secret="lesson-secret-" + "x" * 32,
                          base_url="http://auth.playground.test", demo_password="demo-password-fixed")
    signed_in = issuer.sign_in(password="demo-password-fixed")
    session = issuer.client.get("/get-session")
    return [signed_in.text, signed_in.headers["set-cookie"], session.text, session.headers["set-auth-jwt"],
            issuer.client.get("/token").text, issuer.client.get("/jwks").text]


def test_two_runs_are_byte_identical(start_issuer):
    first = run_lesson(start_issuer)
    second = run_lesson(start_issuer)
    assert first == second
    claims = jwt.decode(first[3], options={"verify_signature": False})
    assert claims["iat"] == 1767258000 and claims["iss"] == "http://auth.playground.test"


def test_demo_key_is_documented_as_public():
    assert "never use in production" in DEMO_KEY_LABEL


def test_non_deterministic_servers_differ(start_issuer):
    a, b = start_issuer(), start_issuer()
    assert a.client.get("/jwks").json() != b.client.get("/jwks").json()
    token_a = a.sign_in().json()["token"]
    assert token_a != b.sign_in().json()["token"]
    assert jwt.get_unverified_header(a.client.get("/token").json()["token"])["alg"] == "EdDSA"
