"""The attack lab (notebook 09): a JWT forger's toolkit and DELIBERATELY BROKEN verifiers.

    !!!  Every ``naive_*`` function below is deliberately broken — NEVER COPY ONE.  !!!

Each naive verifier contains one real-world mistake (PortSwigger's JWT labs, CVE write-ups): it
accepts a genuine Better Auth token, and it also accepts the forgery of its lab. The reference
verifier (``playground.backend``) refuses every forgery with a reason code; tests/lessons/
test_attack_lab.py proves both halves. The naive verifiers check the signature only (no exp,
iss, aud): the labs are about who may sign, and a real naive verifier would get those wrong too.

The toolkit half (``forge``, ``tamper``, ``crack_hs256`` ...) is what an attacker needs: nothing
in it is secret. The issuer's JWKS is public, so is anything derived from it.

The challenge half (``check_challenge``) lets the learner forge each token alone: it sends the
token to the lab's naive verifier and to the reference backend and says "solved" only when the
naive one lets a token in as admin that the issuer never signed, the lab's way; otherwise a hint.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

# The forger's toolkit is playground.jose (the checker uses it too); the lesson reaches it as lab.*.
from playground.jose import (
    b64url_decode,
    ed25519,
    forge,
    hmac_signer,
    hs256,
    public_jwk,
    split,
    tamper,
)
from playground.tls import client_tls

BANNER = "DELIBERATELY BROKEN - never copy"

#: One HTTP client for every key fetch: a client built per token builds an SSL context each time
#: (~18 ms of CPU), and the checker's weak targets call these verifiers for every token it sends.
_http = httpx.Client(timeout=5, verify=client_tls())

# --------------------------------------------------------------------------------------------
# The attacker's toolkit (beyond playground.jose)
# --------------------------------------------------------------------------------------------


def attacker_key() -> Ed25519PrivateKey:
    """The attacker's own Ed25519 key, derived from a public label so lesson outputs are stable."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"attack-lab demo attacker key").digest())


def attacker_jwks_app(jwks: dict[str, Any]) -> Starlette:
    """The attacker's web server: serves ``jwks`` at ``/jwks.json`` (the jku lab)."""

    async def serve(request):
        return JSONResponse(jwks)

    return Starlette(routes=[Route("/jwks.json", serve)])


#: A short wordlist of the kind attackers start with (real ones hold millions: rockyou, jwt.secrets.list).
WORDLIST = ("secret", "password", "123456", "changeme", "jwt-secret", "your-256-bit-secret",
            "supersecret", "letmein", "better-auth-secret", "admin")


def crack_hs256(token: str, wordlist: Iterable[str]) -> str | None:
    """The word of ``wordlist`` that is the HS256 key of ``token``, or None. Offline: no server sees it."""
    signing_input, _, signature_b64 = token.rpartition(".")
    signature = b64url_decode(signature_b64)
    for word in wordlist:
        if hmac.compare_digest(hs256(word.encode())(signing_input.encode("ascii")), signature):
            return word
    return None


def _find_jwk(jwks: dict[str, Any], kid: Any) -> dict[str, Any]:
    for key in jwks.get("keys", []):
        if key.get("kid") == kid:
            return key
    raise NaiveVerifierError("no key with this kid")


# --------------------------------------------------------------------------------------------
# DELIBERATELY BROKEN verifiers - never copy. Each comment "BUG:" marks the mistake.
# --------------------------------------------------------------------------------------------


class NaiveVerifierError(Exception):
    """A naive verifier refused the token."""


def naive_decode_without_verifying(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """DELIBERATELY BROKEN - never copy. Lab 1: reads the claims, never checks the signature."""
    # BUG: verify_signature False turns a JWT into a plain, editable JSON document.
    return jwt.decode(token, options={"verify_signature": False})


def naive_alg_from_header(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """DELIBERATELY BROKEN - never copy. Labs 2 and 3: lets the token choose the algorithm."""
    header, claims, signature_b64 = split(token)
    signing_input = token.rpartition(".")[0].encode("ascii")
    signature = b64url_decode(signature_b64)
    alg = header.get("alg")  # BUG: the algorithm comes from the attacker's token
    if alg == "none":
        return claims  # BUG: "none" means "no signature to check"
    jwk = _find_jwk(jwks, header.get("kid"))
    if alg == "HS256":
        # BUG: the issuer's *public* key material used as an HMAC *secret*.
        if hmac.compare_digest(hs256(jwk["x"].encode())(signing_input), signature):
            return claims
        raise NaiveVerifierError("bad HS256 signature")
    if alg == "EdDSA":
        try:
            Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"])).verify(signature, signing_input)
        except InvalidSignature:
            raise NaiveVerifierError("bad EdDSA signature") from None
        return claims
    raise NaiveVerifierError(f"unknown alg {alg!r}")


def _verify_eddsa(token: str, jwk: dict[str, Any]) -> dict[str, Any]:
    try:
        # The algorithm is fixed here; only the choice of key is wrong in the two labs using it.
        jwt.PyJWS().decode_complete(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"])
    except jwt.PyJWTError as exc:
        raise NaiveVerifierError(str(exc)) from None
    return split(token)[1]


def naive_trusts_jwk_header(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """DELIBERATELY BROKEN - never copy. Lab 4a: uses the key the token carries in its ``jwk`` header."""
    header = split(token)[0]
    jwk = header.get("jwk") or _find_jwk(jwks, header.get("kid"))  # BUG: the token brings its own key
    return _verify_eddsa(token, jwk)


def naive_trusts_jku_header(token: str, jwks_url: str) -> dict[str, Any]:
    """DELIBERATELY BROKEN - never copy. Lab 4b: fetches keys from the URL in the token's ``jku`` header."""
    header = split(token)[0]
    url = header.get("jku") or jwks_url  # BUG: the token says where to download its key from
    jwks = _http.get(url).json()
    return _verify_eddsa(token, _find_jwk(jwks, header.get("kid")))


def naive_kid_as_file_path(token: str, keys_dir: str) -> dict[str, Any]:
    """DELIBERATELY BROKEN - never copy. Lab 5: reads the HMAC key from the file named by ``kid``."""
    header, claims, signature_b64 = split(token)
    # BUG: kid is attacker input joined into a path: "../../../../dev/null" escapes keys_dir.
    with open(os.path.join(keys_dir, str(header.get("kid"))), "rb") as file:
        key = file.read()
    signing_input = token.rpartition(".")[0].encode("ascii")
    if hmac.compare_digest(hs256(key)(signing_input), b64url_decode(signature_b64)):
        return claims
    raise NaiveVerifierError("bad HS256 signature")


def naive_hs256_shared_secret(token: str, secret: str) -> dict[str, Any]:
    """DELIBERATELY BROKEN - never copy. Lab 6: HS256 with a guessable shared secret.

    The check itself is correct; the secret is not: anyone who cracks it offline signs anything."""
    header, claims, signature_b64 = split(token)
    if header.get("alg") != "HS256":  # the algorithm is fixed: this verifier's bug is elsewhere
        raise NaiveVerifierError("not an HS256 token")
    signing_input = token.rpartition(".")[0].encode("ascii")
    if not hmac.compare_digest(hs256(secret.encode())(signing_input), b64url_decode(signature_b64)):
        raise NaiveVerifierError("bad HS256 signature")
    return claims


# --------------------------------------------------------------------------------------------
# The reference verifier's answer
# --------------------------------------------------------------------------------------------


def reference_verdict(api: httpx.Client, token: str, path: str = "/api/admin/stats") -> tuple[int, str | None]:
    """What the reference backend (playground.backend) answers ``token`` on ``path``: (status, reason)."""
    response = api.get(path, headers={"Authorization": f"Bearer {token}"})
    reason = response.json().get("reason") if response.status_code >= 400 else None
    return response.status_code, reason


# --------------------------------------------------------------------------------------------
# Challenge mode: the learner forges, the checker grades
# --------------------------------------------------------------------------------------------


@dataclass
class Target:
    """Everything the naive verifiers of the labs are wired to, plus the reference backend.

    ``keys_dir`` is the lab 5 verifier's key directory (a fresh temporary one holding a random
    ``key-1`` unless given); ``weak_secret`` is the lab 6 service's guessable HMAC secret.
    """

    api: httpx.Client
    jwks_url: str
    weak_secret: str = "letmein"
    keys_dir: str = ""
    _keys: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.keys_dir:
            self._keys = tempfile.TemporaryDirectory(prefix="attack-lab-keys-")  # removed with the object
            self.keys_dir = self._keys.name
            with open(os.path.join(self.keys_dir, "key-1"), "wb") as file:
                file.write(os.urandom(32))

    def jwks(self) -> dict[str, Any]:
        return _http.get(self.jwks_url).json()

    def issuer_kids(self) -> set[str]:
        return {key.get("kid") for key in self.jwks().get("keys", [])}

    def captured_hs256_token(self, claims: dict[str, Any]) -> str:
        """A token the lab 6 service issued for ``claims`` (HS256, its weak secret): what an attacker captures."""
        return forge({"alg": "HS256", "typ": "JWT"}, claims, hs256(self.weak_secret.encode()))


@dataclass(frozen=True)
class Challenge:
    name: str
    title: str
    technique: str  # what the forged header must show, in words, for the hint
    uses_technique: Callable[[dict[str, Any], Target], bool]
    verify: Callable[[str, Target], dict[str, Any]]  # the lab's naive verifier, wired to the target
    hint: str  # when the naive verifier refuses the token


def _alg(header: dict[str, Any]) -> Any:
    return header.get("alg")


CHALLENGES: dict[str, Challenge] = {challenge.name: challenge for challenge in (
    Challenge("unverified-signature", "Lab 1 · unverified signature", "the issuer's alg (EdDSA) and one of its kids",
              lambda header, target: _alg(header) == "EdDSA" and header.get("kid") in target.issuer_kids(),
              lambda token, target: naive_decode_without_verifying(token, target.jwks()),
              "this verifier decodes but never checks the signature: which part of Grace's token could you "
              "change and keep the rest as it is?"),
    Challenge("alg-none", "Lab 2 · alg: none", 'alg "none" and an empty signature',
              lambda header, target: _alg(header) == "none",
              lambda token, target: naive_alg_from_header(token, target.jwks()),
              "this verifier believes the token's alg: is there an alg that needs no signature at all? "
              "(lab.forge with no signer leaves the signature empty)"),
    Challenge("algorithm-confusion", "Lab 3 · algorithm confusion", "alg HS256 with the issuer's kid",
              lambda header, target: _alg(header) == "HS256" and header.get("kid") in target.issuer_kids(),
              lambda token, target: naive_alg_from_header(token, target.jwks()),
              "for alg HS256 this verifier uses the key material it holds for the kid as an HMAC secret: "
              "which of that material is public (look at the JWKS entry)? It uses x as the JWKS spells it: "
              "the base64url text, x.encode(), not the 32 bytes it decodes to"),
    Challenge("jwk-injection", "Lab 4a · jwk header injection", "a jwk member in the header",
              lambda header, target: "jwk" in header,
              lambda token, target: naive_trusts_jwk_header(token, target.jwks()),
              "this verifier takes the key from the token's jwk header when there is one: sign with a key "
              "you own (lab.attacker_key) and ship its public half (lab.public_jwk)"),
    Challenge("jku-injection", "Lab 4b · jku header injection", "a jku member in the header",
              lambda header, target: "jku" in header,
              lambda token, target: naive_trusts_jku_header(token, target.jwks_url),
              "this verifier downloads the key set from the token's jku URL: serve your own key set "
              "(lab.attacker_jwks_app on a ServerThread) and point jku at it"),
    Challenge("kid-traversal", "Lab 5 · kid path traversal", "a kid that climbs out of the key directory",
              lambda header, target: ".." in str(header.get("kid")),
              lambda token, target: naive_kid_as_file_path(token, target.keys_dir),
              "this verifier opens the file named by kid inside its key directory: which file on every "
              "Linux or macOS machine has contents you know, and how do you reach it from there?"),
    Challenge("weak-secret", "Lab 6 · weak HMAC secret", "alg HS256",
              lambda header, target: _alg(header) == "HS256",
              lambda token, target: naive_hs256_shared_secret(token, target.weak_secret),
              "this service's HS256 secret is a common word: for each word of lab.WORDLIST, HMAC the "
              "captured token's signing input (header.payload) with lab.hs256(word.encode()) and compare "
              "with its signature (lab.b64url_decode); then sign your own with the word that matches"),
)}


@dataclass(frozen=True)
class ChallengeResult:
    """The grade of one forged token: solved or not, what each verifier said, and a hint if not."""

    lab: str
    solved: bool
    naive: str  # what the naive verifier did with the token
    reference: tuple[int, str | None] | None  # (status, reason) from the reference backend; None: not asked
    hint: str | None = None

    def __str__(self) -> str:
        title = CHALLENGES[self.lab].title
        reference = "not asked" if self.reference is None else " ".join(str(part) for part in self.reference if part)
        lines = [f"{title}: {'SOLVED' if self.solved else 'not solved yet'}",
                 f"  naive verifier: {self.naive}",
                 f"  reference backend: {reference}"]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


def check_challenge(lab: str, token: str, target: Target) -> ChallengeResult:
    """Grade ``token`` as the answer to challenge ``lab`` (a key of ``CHALLENGES``).

    Solved means: the lab's naive verifier accepts it with ``role`` "admin", the reference backend
    refuses it with 401 (so the issuer never signed it), and the header uses the lab's technique.
    """
    challenge = CHALLENGES.get(lab)
    if challenge is None:
        raise ValueError(f"unknown lab {lab!r}; choose one of {', '.join(CHALLENGES)}")
    if not isinstance(token, str) or not token.strip():
        return ChallengeResult(lab, False, "not tried: no token yet", None, challenge.hint)
    try:
        header = split(token)[0]
    except (ValueError, TypeError, AttributeError):
        return ChallengeResult(lab, False, "not tried: not a compact JWS", None,
                               "a JWT is three base64url segments joined by dots: build one with lab.forge or "
                               "lab.tamper, starting from Grace's token")
    reference = reference_verdict(target.api, token)
    try:
        claims = challenge.verify(token, target)
    except Exception as exc:  # noqa: BLE001 - the naive verifiers are sloppy on purpose: any crash is a refusal
        return ChallengeResult(lab, False, f"refused ({type(exc).__name__}: {exc})", reference, challenge.hint)
    role = claims.get("role") if isinstance(claims, dict) else None
    naive = f"accepted, role {role!r}"
    if role != "admin":
        hint = "the naive verifier lets this token in, but not as admin: the claim to change is role"
    elif reference[0] != 401:
        hint = ("the reference backend accepts this token too, so the issuer really signed it: asking for a "
                "genuine admin token is not an attack; forge one the issuer never signed")
    elif not challenge.uses_technique(header, target):
        hint = f"a forgery, but not by this lab's door: this lab wants {challenge.technique} in the header"
    else:
        return ChallengeResult(lab, True, naive, reference)
    return ChallengeResult(lab, False, naive, reference, hint)


__all__ = [
    "BANNER", "CHALLENGES", "WORDLIST", "Challenge", "ChallengeResult", "NaiveVerifierError", "Target",
    "check_challenge", "attacker_jwks_app", "attacker_key", "b64url_decode",
    "crack_hs256", "ed25519", "forge", "hmac_signer", "hs256", "naive_alg_from_header",
    "naive_decode_without_verifying", "naive_hs256_shared_secret", "naive_kid_as_file_path", "naive_trusts_jku_header",
    "naive_trusts_jwk_header",
    "public_jwk", "reference_verdict", "split", "tamper",
]
