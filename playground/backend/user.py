"""The typed user a verified token describes.

Better Auth's jwt plugin puts the session's user object into the token (``id``, ``name``,
``email``, ``emailVerified``, ``image``, ``createdAt``, ``updatedAt``, plus ``additionalFields``
such as ``role`` and the workbook's profile fields) and forces ``sub`` to the user id. Security
rule: identity comes from ``sub`` — the one claim Better Auth always sets itself — never from a
payload field a ``definePayload`` could have renamed or dropped.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class User(BaseModel):
    """A user as seen by the API. Unknown claims are kept (``model_extra``) but not trusted for identity."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    id: str = Field(description="The token's sub: Better Auth's user id.")
    email: str | None = None
    name: str | None = None
    email_verified: bool = Field(default=False, alias="emailVerified")
    image: str | None = None
    role: str = Field(default="user", description="Better Auth admin plugin style: comma-separated roles.")
    software_background: str = Field(default="Beginner", alias="softwareBackground")
    hardware_background: str = Field(default="None", alias="hardwareBackground")
    interest_area: str = Field(default="General", alias="interestArea")

    @property
    def roles(self) -> frozenset[str]:
        """The admin plugin stores several roles as one comma-separated string ("admin,user")."""
        return frozenset(part.strip() for part in self.role.split(",") if part.strip())

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> User:
        """Build a user from verified claims. Claims of the wrong type fall back to the default
        instead of failing the request: a profile field is not worth a 500."""
        data = {k: v for k, v in claims.items() if k not in _KNOWN_CLAIMS}
        data["id"] = claims["sub"]
        for name, field in cls.model_fields.items():
            value = claims.get(field.alias or name)
            if name != "id" and isinstance(value, bool if field.annotation is bool else str):
                data[name] = value
        return cls.model_validate(data)

    @classmethod
    def from_session_user(cls, user: dict[str, Any]) -> User:
        """Build a user from get-session's ``user`` object (its ``id`` plays the role of ``sub``)."""
        return cls.from_claims({**user, "sub": user["id"]})


# Registered claims and the model's own fields (by alias and by name) never pass as extras: an
# extra named like a field would shadow or collide with the validated value.
_KNOWN_CLAIMS = frozenset(
    {"sub", "id", "iat", "exp", "nbf", "iss", "aud", "jti"}
    | {field.alias for field in User.model_fields.values() if field.alias}
    | set(User.model_fields)
)
