"""The checker: grade any ASGI (FastAPI, Starlette) or WSGI (Flask, Django) backend, or a running server,
against Better Auth's real token formats.

``python -m playground check --app myapp.main:app --env BETTER_AUTH_URL={issuer} --protected /api/me``
or, from Python (a team's own pytest suite, a lesson)::

    from playground import check
    report = check.run(app=app, protected="/api/me", owner="/api/users/{user_id}/profile")
    assert report.passed, report

It starts an issuer (the embedded one, or the real Better Auth), mints and forges tokens with it
and the attack lab, sends each case as a real request, and says for each what was sent, what came
back, what a correct backend does and the fix. See ``cases.py`` for the list.
"""

from .case import Case, Outcome
from .cases import CASE_IDS, CASES
from .config import CheckConfig, UsageError
from .engine import SetupProblem, run
from .report import CaseResult, CheckReport

__all__ = ["CASES", "CASE_IDS", "Case", "CaseResult", "CheckConfig", "CheckReport", "Outcome", "SetupProblem",
           "UsageError", "run"]
