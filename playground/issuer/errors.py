"""Better Auth's error bodies: ``{"message", "code"}`` (in that order) with its status codes.

Codes and messages are copied from ``@better-auth/core/dist/error/codes.mjs`` and from what the
real server answers (zod validation messages included), so a client's error handling written
against one server works against the other.
"""

from __future__ import annotations

from starlette.responses import Response

from playground.issuer.javascript import stringify

MESSAGES = {
    "INVALID_EMAIL": "Invalid email",
    "INVALID_EMAIL_OR_PASSWORD": "Invalid email or password",
    "PASSWORD_TOO_SHORT": "Password too short",
    "PASSWORD_TOO_LONG": "Password too long",
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "User already exists. Use another email.",
    "FAILED_TO_GET_SESSION": "Failed to get session",
    "INVALID_ORIGIN": "Invalid origin",
    "INVALID_CALLBACK_URL": "Invalid callbackURL",
    "MISSING_OR_NULL_ORIGIN": "Missing or null Origin",
    "UNAUTHORIZED": "Unauthorized",
    "BAD_REQUEST": "Invalid JSON in request body",
    "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED": (
        "POST method requires deferSessionRefresh to be enabled in session config"
    ),
    "INVALID_REDIRECT_URL": "Invalid redirectURL",
    "INVALID_ERROR_CALLBACK_URL": "Invalid errorCallbackURL",
    "INVALID_NEW_USER_CALLBACK_URL": "Invalid newUserCallbackURL",
}


class AuthError(Exception):
    """An error the real Better Auth would answer with the same status, code and message."""

    def __init__(self, status: int, code: str | None, message: str | None = None) -> None:
        self.status = status
        self.code = code  # None: a bare APIError.fromStatus(status, {message}), whose body has no code
        self.message = message if message is not None else MESSAGES[code]
        super().__init__(f"{status} {code}: {self.message}")

    def response(self) -> Response:
        fields = {"message": self.message} if self.code is None else {"message": self.message, "code": self.code}
        body = stringify(fields)
        # No WWW-Authenticate on 401: the real Better Auth sends none, and this server's job is
        # to behave like it (the project's own API adds RFC 6750 challenges).
        return Response(body, status_code=self.status, media_type="application/json")


class EmptyError(Exception):
    """A bare ``APIError(status)``: Better Auth answers with the status and an empty JSON body."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(status)


def validation_error(issues: list[str]) -> AuthError:
    """zod's ``VALIDATION_ERROR``: ``[body.field] message`` issues joined with ``; ``."""
    return AuthError(400, "VALIDATION_ERROR", "; ".join(issues))


def not_found() -> Response:
    """Better Auth answers unknown routes and wrong methods with an empty 404."""
    return Response(b"", status_code=404)
