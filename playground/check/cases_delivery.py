"""Cases on where a token may come from and what a route makes of its claims: tokens outside the
Authorization header, issuers and key sets named by the request, defaults for absent claims."""

from __future__ import annotations
