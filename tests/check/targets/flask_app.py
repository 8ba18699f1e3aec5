"""``--app targets.flask_app:app``: a Flask (WSGI) backend that verifies Better Auth's JWT the
careful way, with PyJWT's ``PyJWKClient`` (the key for the token's kid, ``algorithms=["EdDSA"]``,
``issuer=``, ``audience=``, the claims required). The checker serves it through a2wsgi."""

import os

import jwt
from flask import Flask, g, jsonify, request

ISSUER = os.environ["BETTER_AUTH_URL"].rstrip("/")
FRONTEND = "http://localhost:5173"
jwks_client = jwt.PyJWKClient(f"{ISSUER}/api/auth/jwks", cache_keys=True)
app = Flask(__name__)


def _refuse(status: int, message: str, error: str | None = None):
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return jsonify(detail=message), status, {"WWW-Authenticate": challenge}


@app.before_request
def authenticate():
    if request.method == "OPTIONS" or request.path == "/api/public":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _refuse(401, "Not authenticated")
    try:
        key = jwks_client.get_signing_key_from_jwt(token)
        g.claims = jwt.decode(token, key, algorithms=["EdDSA"], issuer=ISSUER, audience=ISSUER,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except jwt.PyJWTError:
        return _refuse(401, "Invalid token", "invalid_token")
    return None


@app.after_request
def cors(response):
    if request.headers.get("Origin") == FRONTEND:
        response.headers["Access-Control-Allow-Origin"] = FRONTEND
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET"
            response.headers["Access-Control-Allow-Headers"] = "Authorization"
    return response


@app.route("/api/public", methods=["GET", "OPTIONS"])
def public():
    return jsonify(public=True)


@app.route("/api/me", methods=["GET", "OPTIONS"])
def me():
    if request.method == "OPTIONS":
        return "", 204
    return jsonify(id=g.claims["sub"], email=g.claims.get("email"))


@app.route("/api/users/<user_id>/profile", methods=["GET", "OPTIONS"])
def profile(user_id: str):
    if request.method == "OPTIONS":
        return "", 204
    if g.claims["sub"] != user_id:
        return _refuse(403, "Not your profile", "insufficient_scope")
    return jsonify(id=user_id)


@app.route("/api/admin/stats", methods=["GET", "OPTIONS"])
def admin():
    if request.method == "OPTIONS":
        return "", 204
    if "admin" not in str(g.claims.get("role") or "").split(","):
        return _refuse(403, "Admins only", "insufficient_scope")
    return jsonify(ok=True)
