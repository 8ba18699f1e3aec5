"""Each CORS mistake of the lessons (playground.lessons.cors_lab) fails in Chromium exactly as the lesson
says -- the page's own error text and the browser's console line -- and works once fixed."""

from __future__ import annotations

import pytest

from playground.lessons import cors_lab

pytestmark = pytest.mark.browser

ADA = "ada@example.com"
TOKEN_OK = "log: [get-token] got a JWT from /api/auth/token"
API_OK = "log: [call-api] 200 OK"


def blocked(url: str, origin: str, reason: str) -> str:
    """Chromium's console line for a response the CORS check refused."""
    return f"error: Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: {reason}"


@pytest.fixture(scope="module")
def correct_labs():
    labs = {}
    yield labs
    for running in labs.values():
        running.stop()


@pytest.fixture
def lab(request, correct_labs):
    """The servers of (variant, broken/fixed, issuer). Every fixed setup but one is the correct
    configuration: that one is started once per issuer and shared (each test has its own cookies)."""
    name, fixed, issuer = request.param
    variant = cors_lab.get(name)
    if (variant.fixed if fixed else variant.broken) == cors_lab.CORRECT:
        if issuer not in correct_labs:
            correct_labs[issuer] = cors_lab.start_lab("correct", issuer=issuer)
        yield correct_labs[issuer]
        return
    with cors_lab.start_lab(name, fixed=fixed, issuer=issuer) as running:
        yield running


def is_broken(lab, name: str) -> bool:
    return lab.setup == cors_lab.get(name).broken


def lab_params(name: str, *, real: bool = False):
    """(name, broken/fixed, issuer) for the embedded issuer, and the real Better Auth if ``real``."""
    issuers = ["embedded"] + (["better-auth"] if real else [])
    variant = cors_lab.get(name)
    states = (False,) if variant.broken == variant.fixed else (False, True)
    return [
        pytest.param((name, fixed, issuer), id=f"{'fixed' if fixed else 'broken'}-{issuer}",
                     marks=[pytest.mark.node] if issuer == "better-auth" else [])
        for issuer in issuers for fixed in states
    ]


def signed_in_with_token(open_page, lab):
    run = open_page(lab.frontend_url)
    assert run.sign_in(ADA, lab.demo_password) == ""
    assert run.step("get-token") == ""
    return run


@pytest.mark.parametrize("lab", lab_params("correct", real=True), indirect=True)
def test_correct(lab, open_page):
    run = signed_in_with_token(open_page, lab)
    assert run.step("get-session") == ""
    assert run.step("call-api") == ""
    assert run.recorder.errors() == []


@pytest.mark.parametrize("lab", lab_params("authorization-not-allowed"), indirect=True)
def test_authorization_not_allowed(lab, open_page):
    run = signed_in_with_token(open_page, lab)
    error = run.step("call-api")
    if is_broken(lab, "authorization-not-allowed"):
        assert error == "call-api: TypeError: Failed to fetch"
        assert blocked(f"{lab.api_url}/api/me", lab.frontend_url,
                       "Response to preflight request doesn't pass access control check: "
                       "It does not have HTTP ok status.") in run.console
    else:
        assert error == ""
        assert API_OK in run.console


@pytest.mark.parametrize("lab", lab_params("wildcard-with-credentials"), indirect=True)
def test_wildcard_with_credentials(lab, open_page):
    signed_in_with_token(open_page, lab)  # the user's session cookie is now in the browser
    # Another site the user visits, in the same browser: it asks the auth server for a JWT.
    other = open_page(lab.other_site_url)
    error = other.step("get-token")
    if is_broken(lab, "wildcard-with-credentials"):
        assert error == ""  # the hole: the other origin read a valid JWT for the user
        assert TOKEN_OK in other.console
        assert '"email": "ada@example.com"' in other.text("claims")
    else:
        assert error == "get-token: TypeError: Failed to fetch"
        assert blocked(f"{lab.auth_url}/api/auth/token", lab.other_site_url,
                       "No 'Access-Control-Allow-Origin' header is present on the requested resource.") in other.console


@pytest.mark.parametrize("lab", lab_params("jwt-header-not-exposed"), indirect=True)
def test_jwt_header_not_exposed(lab, open_page):
    run = signed_in_with_token(open_page, lab)
    with run.page.expect_response(lambda r: r.url.endswith("/api/auth/get-session")) as response:
        error = run.step("get-session")
    # The server sent the header either way: only what page code may read differs.
    assert response.value.all_headers()["set-auth-jwt"].count(".") == 2
    if is_broken(lab, "jwt-header-not-exposed"):
        assert error == ("get-session: response.headers.get('set-auth-jwt') is null: "
                         "the header is not exposed to JavaScript")
        assert run.text("header-jwt") == "null"
        assert [line for line in run.console if "CORS" in line] == []  # no console hint at all
    else:
        assert error == ""
        assert run.text("header-jwt") == response.value.all_headers()["set-auth-jwt"]


@pytest.mark.parametrize("lab", lab_params("error-without-cors"), indirect=True)
def test_error_without_cors(lab, open_page):
    run = signed_in_with_token(open_page, lab)
    error = run.step("call-api")
    # The crash happened in both: the server log has it.
    assert lab.server_errors == ["GET /api/me: RuntimeError: planted bug: the profile store is down"]
    if is_broken(lab, "error-without-cors"):
        assert error == "call-api: TypeError: Failed to fetch"
        assert blocked(f"{lab.api_url}/api/me", lab.frontend_url,
                       "No 'Access-Control-Allow-Origin' header is present on the requested resource.") in run.console
    else:
        assert error == "call-api: 500 Internal Server Error"
        assert ("error: Failed to load resource: the server responded with a status of 500 "
                "(Internal Server Error)") in run.console


@pytest.mark.parametrize("lab", lab_params("untrusted-origin", real=True), indirect=True)
def test_untrusted_origin(lab, open_page):
    run = open_page(lab.frontend_url)
    error = run.sign_in(ADA, lab.demo_password)
    if is_broken(lab, "untrusted-origin"):
        assert error == "sign-in: 403 Forbidden: Invalid origin"
        assert "error: Failed to load resource: the server responded with a status of 403 (Forbidden)" in run.console
    else:
        assert error == ""
        assert run.text("status") == f"signed in as {ADA}"


@pytest.mark.parametrize("lab", lab_params("missing-credentials-include", real=True), indirect=True)
def test_missing_credentials_include(lab, open_page, context):
    run = open_page(lab.frontend_url)
    assert run.sign_in(ADA, lab.demo_password) == ""  # looks fine...
    error = run.step("get-token")
    session_cookies = [c for c in context.cookies() if c["name"].endswith("session_token")]
    if is_broken(lab, "missing-credentials-include"):
        assert error == "get-token: 401 Unauthorized"  # ...but the cookie was never stored
        assert "error: Failed to load resource: the server responded with a status of 401 (Unauthorized)" in run.console
        assert session_cookies == []
    else:
        assert error == ""
        assert len(session_cookies) == 1


def test_every_variant_is_tested_and_documented():
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    assert set(cors_lab.VARIANTS) <= tested
    for variant in cors_lab.VARIANTS.values():
        assert variant.description and variant.symptom and variant.fix
