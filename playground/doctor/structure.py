"""Stage 2, structure: is the value a JWT at all, and does its header ask for anything refused?

Before the backend's own parsing (``decode_unverified``) the doctor looks for the copy-paste
mistakes a person makes and a client library does not: a ``Bearer `` prefix, quotes or
whitespace, percent-encoding. It names the mistake and checks what is left, so one paste error
does not hide the rest of the diagnosis. The header checks are the backend's ``header_problems``.
"""

from __future__ import annotations

from urllib.parse import unquote

from playground.backend.errors import InvalidTokenError, Reason
from playground.backend.verify import DecodedToken, decode_unverified, header_problems

from .findings import Finding, Status


def _paste_error(message: str, cause: str, fix: str) -> Finding:
    return Finding("structure", Status.ERROR, message, Reason.MALFORMED, cause, fix)


def check_structure(token: str, max_token_bytes: int) -> tuple[DecodedToken | None, list[Finding]]:
    """The decoded token (None if it is not a JWT) and the structure findings: one ``ok`` line when
    the value is a well-formed compact JWS, else the errors (the paste mistakes first)."""
    stripped = token.strip().strip('"').strip("'")
    findings = []
    if stripped.lower().startswith("bearer "):
        findings.append(_paste_error(
            "the value starts with 'Bearer '", "the Authorization header's scheme was pasted as part of the token",
            "pass only the part after 'Bearer '"))
        stripped = stripped[7:].strip()
    elif stripped != token:
        findings.append(_paste_error(
            "the value has surrounding quotes or whitespace",
            "the token was copied from JSON or a shell with its quotes", "send the bare token"))
    if "%" in stripped and "." in unquote(stripped):
        findings.append(_paste_error(
            "the value is percent-encoded", "it was copied from a cookie or URL",
            "decode it first (or send the JWT, not a cookie)"))
    try:
        decoded = decode_unverified(stripped, max_token_bytes=max_token_bytes)
    except InvalidTokenError as error:
        return None, findings + [Finding.failed("structure", error)]
    if not findings:
        # Only a value that needed no repair is "ok": the rest of the report checks what is
        # left after the repair, but the value as given would still be refused.
        findings.append(Finding.passed("structure", "a compact JWS with 3 segments, JSON header and payload"))
    return decoded, findings


def check_header(decoded: DecodedToken, algorithms: tuple[str, ...]) -> list[Finding]:
    """The backend's header checks: kind of token, refused headers, algorithm, kid."""
    problems = header_problems(decoded, list(algorithms))
    if problems:
        return [Finding.failed("header", error) for error in problems]
    return [Finding.passed("header", f"alg {decoded.header['alg']}, kid {decoded.header['kid']}")]
