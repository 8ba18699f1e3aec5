"""The typed user a verified token describes.

Better Auth's jwt plugin puts the session's user object into the token (``id``, ``name``,
``email``, ``emailVerified``, ``image``, ``createdAt``, ``updatedAt``, plus ``additionalFields``
such as ``role`` and the workbook's profile fields) and forces ``sub`` to the user id. Security
rule: identity comes from ``sub`` — the one claim Better Auth always sets itself — never from a
payload field a ``definePayload`` could have renamed or dropped. Roles are read exactly as Better
Auth's admin plugin reads them (``roles``): split on commas, nothing trimmed, case kept.

Claims are data: a control character, odd Unicode or a lone UTF-16 surrogate (which Better Auth
accepts in a profile field and signs) is carried through as it is, and ``responses.JSONResponse``
writes it back as JSON escapes. The one thing pydantic cannot hold is an object *key* with a lone
surrogate: such a key is kept under its escaped spelling (``"x\\udc00"``), never a 500. To write a
``User`` as JSON yourself, ``json.dumps(user.model_dump(mode="json", by_alias=True))``: pydantic's
``model_dump_json`` writes UTF-8 only and raises on a lone surrogate.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: The admin plugin's ``defaultRole`` when none is configured.
DEFAULT_ROLE = "user"


class User(BaseModel):
    """A user as seen by the API. Unknown claims are kept (``model_extra``) but not trusted for identity."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    id: str = Field(description="The token's sub: Better Auth's user id.")
    email: str | None = None
    name: str | None = None
    email_verified: bool = Field(default=False, alias="emailVerified")
    image: str | None = None
    role: str | None = Field(
        default="user",
        description="Better Auth admin plugin style: comma-separated roles. None when the claim was not a string.",
    )
    software_background: str = Field(default="Beginner", alias="softwareBackground")
    hardware_background: str = Field(default="None", alias="hardwareBackground")
    interest_area: str = Field(default="General", alias="interestArea")

    @property
    def roles(self) -> frozenset[str]:
        """The roles exactly as Better Auth's admin plugin sees them.

        ``better-auth/dist/plugins/admin/has-permission.mjs`` (1.7.25 to 1.7.29) does
        ``(input.role || input.options?.defaultRole || "user").split(",")`` and looks each piece up
        as it is: no trimming, case-sensitive. So "user,admin" has admin, while "user, admin",
        "admin\\n" and " admin" do not (those pieces name no role); an empty or null role is the
        default role. A role claim of another type (``role`` is ``None`` here) grants no role at all.
        """
        if self.role is None:
            return frozenset()
        return frozenset((self.role or DEFAULT_ROLE).split(","))

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> User:
        """Build a user from verified claims. Claims of the wrong type fall back to the default
        instead of failing the request: a profile field is not worth a 500."""
        data = {_key(k): _carried(v) for k, v in claims.items() if k not in _KNOWN_CLAIMS}
        data["id"] = claims["sub"]
        for name, claim, kind in _profile_fields(cls):
            value = claims.get(claim)
            if isinstance(value, kind):
                data[name] = value
        if claims.get("role") is not None and not isinstance(claims["role"], str):
            # Better Auth issues a string (or null, which it reads as the default role): anything
            # else (a list, an object, true) must not fall back to a role.
            data["role"] = None
        return cls.model_validate(data)

    @classmethod
    def from_session_user(cls, user: dict[str, Any]) -> User:
        """Build a user from get-session's ``user`` object (its ``id`` plays the role of ``sub``)."""
        return cls.from_claims({**user, "sub": user["id"]})


def _key(name: str) -> str:
    """``name``, or its backslash escape where it holds a lone surrogate (UTF-8 cannot encode one)."""
    if name.isascii():  # nearly every claim name: no encoding attempt
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name


def _carried(value: Any) -> Any:
    """``value`` with every object key inside it spelled so that pydantic can serialise it."""
    if isinstance(value, dict):
        return {_key(k): _carried(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_carried(item) for item in value]
    return value


# Registered claims and the model's own fields (by alias and by name) never pass as extras: an
# extra named like a field would shadow or collide with the validated value.
_KNOWN_CLAIMS = frozenset(
    {"sub", "id", "iat", "exp", "nbf", "iss", "aud", "jti"}
    | {field.alias for field in User.model_fields.values() if field.alias}
    | set(User.model_fields)
)


@functools.cache
def _profile_fields(model: type[User]) -> tuple[tuple[str, str, type], ...]:
    """(field name, claim name, accepted type) of every field but ``id``: read once per model class
    (a subclass's own fields included) rather than on every token."""
    return tuple(
        (name, field.alias or name, bool if field.annotation is bool else str)
        for name, field in model.model_fields.items()
        if name != "id"
    )
