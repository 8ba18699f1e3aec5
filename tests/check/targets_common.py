"""What the checker's target tests share: the routes every target serves, and the reference app."""

from __future__ import annotations

from playground import check
from playground.backend import BackendSettings, create_app

FRONTEND = "http://localhost:5173"
ROUTES = dict(protected="/api/me", owner="/api/users/{user_id}/profile", admin="/api/admin/stats",
              public="/api/public", frontend_origin=FRONTEND)
ENV = {"BETTER_AUTH_URL": "{issuer}", "BETTER_AUTH_SECRET": "{secret}"}
#: Required cases that wait seconds (an outage, a token's expiry): each is graded against the one
#: hole it catches in test_required_cases_can_fail.py, and left out of the many-target runs below.
WAITING = ("cached-token-expires", "jwks-outage-fails-closed", "jwks-outage-recovers")
#: The weak apps are graded on the required cases: those are what each weakness must trip.
REQUIRED = tuple(case.id for case in check.CASES if case.weight != "advisory" and case.id not in WAITING)
#: With a leeway, every case applies (skew-within-leeway needs one to be meaningful).
LEEWAY = {"BACKEND_LEEWAY_SECONDS": "30"}


def reference_app():
    # Built once the checker has set BETTER_AUTH_URL: the settings come from the environment.
    return create_app(BackendSettings(cors_origins=[FRONTEND]))
