import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from playground.clock import DEMO_EPOCH, Clock
from playground.display import TokenView


@pytest.fixture(scope="module")
def token() -> str:
    claims = {"sub": "u1", "iat": int(DEMO_EPOCH), "exp": int(DEMO_EPOCH) + 900, "name": "<b>Ada</b>"}
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "k1"})


def test_parts_are_decoded(token):
    view = TokenView(token)
    assert view.header == {"alg": "EdDSA", "kid": "k1", "typ": "JWT"}
    assert view.payload["sub"] == "u1"
    assert len(view.signature) == 64


def test_time_claims_are_annotated_relative_to_the_clock(token):
    clock = Clock.frozen(DEMO_EPOCH + 60)
    notes = TokenView(token, clock=clock).time_notes()
    assert notes["exp"] == "2026-01-01T09:15:00Z (in 14m 0s)"
    assert notes["iat"] == "2026-01-01T09:00:00Z (1m 0s ago)"


def test_html_escapes_claim_values(token):
    rendered = TokenView(token)._repr_html_()
    assert "<b>Ada</b>" not in rendered and "&lt;b&gt;Ada&lt;/b&gt;" in rendered


@pytest.mark.parametrize("bad", ["a.b", "a.b.c.d", "!!!.e30.AA"])
def test_malformed_tokens_raise_value_error(bad):
    with pytest.raises(ValueError):
        TokenView(bad)
