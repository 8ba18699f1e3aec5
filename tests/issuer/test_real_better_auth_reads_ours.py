"""What this issuer writes, read back by the real better-auth 1.7 code (Node).

The conformance suite compares the two servers' behaviour; this checks the bytes: the real
library's own functions must accept our session cookie signature, password hash, encrypted
private key and all three session-cache encodings.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from playground.issuer.config import CookieCache

DIST = Path(__file__).resolve().parents[2] / "playground" / "better_auth" / "node_modules" / "better-auth" / "dist"

SCRIPT = """
import { makeSignature, symmetricDecodeJWT, symmetricDecrypt, verifyJWT, verifyPassword }
  from "DIST/crypto/index.mjs";
import { getCookieCache } from "DIST/cookies/index.mjs";
const input = JSON.parse(process.argv[1]);
const out = {};
out.signature = await makeSignature(input.token, input.secret);
out.password = await verifyPassword({ hash: input.hash, password: input.password });
out.privateKey = JSON.parse(await symmetricDecrypt({ key: input.secret, data: input.privateKey })).kty;
const jwe = await symmetricDecodeJWT(input.jwe, input.secret, "better-auth-session");
out.jwe = jwe?.session?.token ?? null;
out.jwt = (await verifyJWT(input.jwt, input.secret))?.session?.token ?? null;
const compact = await getCookieCache(new Headers({ cookie: `better-auth.session_data=${input.compact}` }),
  { secret: input.secret, strategy: "compact", isSecure: false });
out.compact = compact?.session?.token ?? null;
console.log(JSON.stringify(out));
"""


def cache_cookie(start_issuer, strategy: str, secret: str) -> tuple[str, str, str]:
    issuer = start_issuer(secret=secret, cookie_cache=CookieCache(strategy=strategy))
    response = issuer.sign_in()
    cookies = {c.split("=", 1)[0]: c.split(";")[0].split("=", 1)[1] for c in response.headers.get_list("set-cookie")}
    return cookies["better-auth.session_data"], response.json()["token"], issuer


@pytest.mark.node
def test_real_better_auth_accepts_our_bytes(start_issuer):
    secret = "shared-secret-for-cross-check-0123456789"
    compact, compact_token, issuer = cache_cookie(start_issuer, "compact", secret)
    jwe, jwe_token, _ = cache_cookie(start_issuer, "jwe", secret)
    jwt_cookie, jwt_token, _ = cache_cookie(start_issuer, "jwt", secret)
    state = issuer.app.state.issuer
    issuer.client.get("/jwks")
    user = state.store.user_by_email("ada@example.com")
    signed = issuer.fresh().sign_in().headers["set-auth-token"]
    token, signature = signed.split(".", 1)
    payload = {
        "secret": secret, "token": token, "hash": state.store.password_hash(user["id"]),
        "password": issuer.config.demo_password, "privateKey": json.loads(state.store.keys()[0].private_key),
        "jwe": unquote(jwe), "jwt": unquote(jwt_cookie), "compact": unquote(compact),
    }
    script = SCRIPT.replace("DIST", DIST.as_posix())
    result = subprocess.run(["node", "--input-type=module", "-e", script, json.dumps(payload)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == {"signature": signature, "password": True, "privateKey": "OKP",
                   "jwe": jwe_token, "jwt": jwt_token, "compact": compact_token}
