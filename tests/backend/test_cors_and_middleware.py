"""CORS from settings (outermost, so even 500s carry it) and JWTAuthMiddleware."""

from __future__ import annotations

import pytest
from fastapi import Request, WebSocket

from playground.backend import create_app

ORIGIN = "http://localhost:5173"


@pytest.fixture
def app(issuer, clock):
    app = create_app(issuer.settings(cors_origins=[ORIGIN]), clock=clock)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("a bug in a route")

    return app


def test_preflight_allows_authorization_with_credentials(app, serve):
    api = serve(app)
    response = api.options(
        "/api/me",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert response.headers["access-control-max-age"] == "600"


def test_unknown_origins_get_no_cors_grant(app, serve):
    api = serve(app)
    response = api.get("/api/public", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = api.options(
        "/api/me", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 400


def test_401_is_readable_cross_origin(app, serve):
    response = serve(app).get("/api/me", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "www-authenticate" in exposed and "set-auth-jwt" in exposed


def test_a_500_still_carries_cors_headers(app, serve):
    response = serve(app).get("/boom", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == ORIGIN


@pytest.fixture
def guarded(issuer, clock, serve):
    app = create_app(issuer.settings(), clock=clock, auth_middleware=True)

    @app.get("/api/state")
    async def state():  # no dependency: relies on the middleware alone
        return {"ok": True}

    @app.get("/api/whoami")
    async def whoami(request: Request):
        return {"user": request.state.user.id}

    return serve(app), app


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_middleware_lets_public_routes_through(guarded):
    api, _ = guarded
    assert api.get("/api/public").status_code == 200
    assert api.get("/openapi.json").status_code == 200


def test_middleware_protects_every_other_route(guarded, issuer):
    api, _ = guarded
    response = api.get("/api/state")
    assert (response.status_code, response.json()["reason"]) == (401, "missing_token")
    response = api.get("/api/nonexistent", headers=bearer("x.y.z"))
    assert (response.status_code, response.json()["reason"]) == (401, "malformed")
    assert api.get("/api/state", headers=bearer(issuer.mint())).status_code == 200


def test_middleware_sets_request_state_user_and_dependencies_reuse_it(guarded, issuer):
    api, app = guarded
    verifier = app.state.verifier
    calls = []
    original = verifier.verify

    async def counting(token):
        calls.append(token)
        return await original(token)

    verifier.verify = counting  # a spy on the real verifier: counts, changes nothing
    assert api.get("/api/whoami", headers=bearer(issuer.mint(user_id="u-42"))).json() == {"user": "u-42"}
    assert api.get("/api/me", headers=bearer(issuer.mint(user_id="u-43"))).json()["id"] == "u-43"
    assert len(calls) == 2  # once per request: get_current_user reused the middleware's user


def test_middleware_refuses_an_unauthenticated_websocket(issuer, clock, serve):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    app = create_app(issuer.settings(), clock=clock, auth_middleware=True)

    @app.websocket("/api/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(websocket.state.user.id)
        await websocket.close()

    ws_url = str(serve(app).base_url).replace("http://", "ws://") + "/api/ws"
    with pytest.raises(InvalidStatus) as caught:
        connect(ws_url).close()
    assert caught.value.response.status_code == 403  # uvicorn's answer to a close before accept
    with connect(ws_url, additional_headers=bearer(issuer.mint(user_id="u-ws"))) as socket:
        assert socket.recv(timeout=5) == "u-ws"


def test_jwt_cookie_is_read_only_when_configured_and_the_header_wins(issuer, clock, serve):
    api = serve(create_app(issuer.settings(jwt_cookie_name="access_token"), clock=clock))
    cookie = {"Cookie": f"access_token={issuer.mint(user_id='from-cookie')}"}
    assert api.get("/api/me", headers=cookie).json()["id"] == "from-cookie"
    both = cookie | {"Authorization": f"Bearer {issuer.mint(user_id='from-header')}"}
    assert api.get("/api/me", headers=both).json()["id"] == "from-header"
    plain = serve(create_app(issuer.settings(), clock=clock))
    assert plain.get("/api/me", headers=cookie).json()["reason"] == "missing_token"


@pytest.fixture
def bare(issuer, clock, serve):
    """JWTAuthMiddleware alone around a route that answers OPTIONS itself (no CORS layer in front,
    so every OPTIONS request reaches the middleware)."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from playground.backend import JWKSKeySource, JWTAuthMiddleware, TokenVerifier
    from playground.backend.credentials import Authenticator

    settings = issuer.settings()
    verifier = TokenVerifier.from_settings(settings, JWKSKeySource.from_settings(settings), clock)

    async def options(request):
        return JSONResponse({"reached": True, "user": getattr(request.state, "user", None) and request.state.user.id})

    app = Starlette(routes=[Route("/api/thing", options, methods=["OPTIONS"])])
    return serve(JWTAuthMiddleware(app, authenticator=Authenticator(verifier)))


def test_a_real_preflight_skips_authentication(bare):
    response = bare.options("/api/thing", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert response.json() == {"reached": True, "user": None}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": ORIGIN},
        {"Access-Control-Request-Method": "POST"},
        {"Access-Control-Request-Headers": "authorization"},
    ],
    ids=["bare", "origin-only", "method-only", "headers-only"],
)
def test_any_other_options_request_is_authenticated(bare, issuer, headers):
    response = bare.options("/api/thing", headers=headers)
    assert (response.status_code, response.json()["reason"]) == (401, "missing_token")
    assert response.headers["www-authenticate"] == "Bearer"
    response = bare.options("/api/thing", headers=headers | bearer("x.y.z"))
    assert (response.status_code, response.json()["reason"]) == (401, "malformed")
    response = bare.options("/api/thing", headers=headers | bearer(issuer.mint(user_id="u-opt")))
    assert response.json() == {"reached": True, "user": "u-opt"}


def test_options_through_the_full_app_is_authenticated_unless_a_preflight(issuer, clock, serve):
    # With create_app's CORS layer in front: a preflight is answered by CORS, any other OPTIONS
    # is the middleware's to refuse (before: it walked past to the router).
    api = serve(create_app(issuer.settings(cors_origins=[ORIGIN]), clock=clock, auth_middleware=True))
    preflight = api.options("/api/me", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == ORIGIN
    plain = api.options("/api/me", headers={"Origin": ORIGIN})
    assert (plain.status_code, plain.json()["reason"]) == (401, "missing_token")
