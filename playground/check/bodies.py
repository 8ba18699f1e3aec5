"""The smallest body a JSON schema allows: what the checker sends with a write it expects refused.

Why: an app that validates the body before it authenticates answers 422 to an unauthenticated
write with a bad body, and that 422 hides whether the route checks credentials at all. With a
body the schema accepts, a careful app answers 401 and a route without an auth check answers
2xx. Schemathesis generates such bodies with Hypothesis; the checker needs only one, the same on
every run, so this walks the schema by hand: ``$ref``s resolved, required properties only, each
value the smallest its type, format, enum, const, length and range allow.
"""

from __future__ import annotations

from typing import Any

#: A value per string ``format`` (OpenAPI and JSON Schema formats FastAPI/pydantic emit).
FORMATS = {
    "date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "time": "00:00:00Z", "email": "checker@example.com",
    "uri": "https://example.com/", "url": "https://example.com/", "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1", "ipv6": "::1", "hostname": "example.com", "duration": "P1D", "byte": "",
    "binary": "", "password": "x", "uri-reference": "/", "json-string": "null",
}
#: Deeper than this, a schema is recursive in a way no minimal value needs.
MAX_DEPTH = 12


class NoMinimalBody(ValueError):
    """The schema admits no value this generator can build (``not``, an impossible range...)."""


def minimal(schema: Any, document: dict[str, Any] | None = None, *, _depth: int = 0) -> Any:
    """The smallest value ``schema`` accepts; ``document`` is the OpenAPI document its ``$ref``s point into."""
    if _depth > MAX_DEPTH:
        raise NoMinimalBody("the schema nests deeper than the checker follows")
    if schema is True or schema is None or schema == {}:
        return {}
    if not isinstance(schema, dict):
        raise NoMinimalBody(f"not a schema: {schema!r}")
    deeper = _depth + 1
    if "$ref" in schema:
        return minimal(_resolve(schema["$ref"], document), document, _depth=deeper)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if "default" in schema and schema.get("type") not in ("object",) and "properties" not in schema:
        return schema["default"]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            options = schema[combinator]
            # null is the smallest value, but an app that validates may still refuse it where the
            # field is required: prefer a real value, null only when it is the only choice.
            for option in sorted(options, key=lambda o: isinstance(o, dict) and o.get("type") == "null"):
                try:
                    return minimal(option, document, _depth=deeper)
                except NoMinimalBody:
                    continue
            raise NoMinimalBody(f"no branch of {combinator} can be built")
    if "allOf" in schema:
        merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part["$ref"], document) if isinstance(part, dict) and "$ref" in part else part
            merged = _merge(merged, part)
        return minimal(merged, document, _depth=deeper)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string" \
            if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")) else None
    if kind == "null":
        return None
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "string":
        return _string(schema)
    if kind == "array":
        count = int(schema.get("minItems", 0))
        item = minimal(schema.get("items", {}), document, _depth=deeper) if count else None
        if count and schema.get("uniqueItems") and count > 1:
            raise NoMinimalBody("uniqueItems with minItems > 1")
        return [item] * count
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: minimal(properties.get(name, {}), document, _depth=deeper) for name in schema.get("required", [])}
    if "not" in schema:
        raise NoMinimalBody("a 'not' schema")
    return {}


def _resolve(ref: str, document: dict[str, Any] | None) -> Any:
    if not ref.startswith("#/") or document is None:
        raise NoMinimalBody(f"cannot resolve $ref {ref!r}")
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise NoMinimalBody(f"$ref {ref!r} points nowhere")
        node = node[part]
    return node


def _merge(left: dict[str, Any], right: Any) -> dict[str, Any]:
    if not isinstance(right, dict):
        return left
    merged = {**left, **{k: v for k, v in right.items() if k not in ("properties", "required")}}
    merged["properties"] = {**left.get("properties", {}), **right.get("properties", {})}
    required = left.get("required", [])
    merged["required"] = [*required, *[name for name in right.get("required", []) if name not in required]]
    if "properties" in left or "properties" in right:
        merged.setdefault("type", "object")
    return merged


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum")
    exclusive = schema.get("exclusiveMinimum")
    if isinstance(exclusive, bool):  # draft 4 / OpenAPI 3.0: a flag on minimum
        exclusive = low if exclusive else None
    if exclusive is not None and (low is None or exclusive >= low):
        value: float = exclusive + 1 if kind == "integer" else exclusive + 1e-6
        if kind == "integer" and int(exclusive) != exclusive:
            value = int(exclusive) + 1
    else:
        value = low if low is not None else 0
    if kind == "integer":
        value = int(-(-value // 1))  # ceiling: the smallest integer at or above the bound
    step = schema.get("multipleOf")
    if step:
        value = -(-value // step) * step
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if isinstance(high, (int, float)) and not isinstance(high, bool) and value > high:
        raise NoMinimalBody(f"no {kind} between {low} and {high}")
    return int(value) if kind == "integer" else value


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt in FORMATS:
        value = FORMATS[fmt]
    elif "pattern" in schema:
        value = _from_pattern(schema["pattern"])
    else:
        value = ""
    minimum = int(schema.get("minLength", 0))
    if len(value) < minimum:
        value += "a" * (minimum - len(value))
    maximum = schema.get("maxLength")
    if maximum is not None and len(value) > maximum:
        value = value[:maximum]
    return value


def _from_pattern(pattern: str) -> str:
    """The simplest string matching ``pattern``: Hypothesis's regex strategy, shrunk (``find``), so
    the same pattern gives the same string on every run."""
    import re

    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    try:
        re.compile(pattern)
    except re.error:
        raise NoMinimalBody(f"pattern {pattern!r} is not a Python regular expression") from None
    try:
        return find(st.from_regex(pattern, fullmatch=True), lambda _: True,
                    settings=settings(database=None, max_examples=50, suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        raise NoMinimalBody(f"no string for pattern {pattern!r}") from None


def marked(schema: Any, document: dict[str, Any] | None, marker: str, *, skip: frozenset[str] = frozenset()) -> Any:
    """The smallest body ``schema`` allows, with every plain text property, optional ones too, set to
    ``marker`` (a list of text to ``[marker]``): a write the checker can later recognise wherever the
    app shows it. ``skip``: property names (compared as ``normalized``) left as ``minimal`` made them.
    Why optional ones too: an app stores what it is sent, and a body of only required fields may be
    what the resource already holds (``{"notes": []}``), so a write that should not have landed
    would change nothing anyone can see."""
    body = minimal(schema, document)
    properties = _object_properties(schema, document)
    if not isinstance(body, dict) or properties is None:
        return body
    for name, prop in properties.items():
        if normalized(name) in skip:
            continue
        value = _marked_value(prop, document, marker)
        if value is not None:
            body[name] = value
    return body


def normalized(name: str) -> str:
    """A field name as the checker compares it: ``owner_id``, ``ownerId`` and ``owner-id`` alike."""
    return name.replace("_", "").replace("-", "").lower()


def declared_type(schema: Any, document: dict[str, Any] | None, name: str) -> str | None:
    """The JSON type ``schema``'s property ``name`` declares (the first that is not null); None when
    the property is not declared or says no type."""
    prop = (_object_properties(schema, document) or {}).get(name)
    prop = _deref_all(prop, document)
    if not isinstance(prop, dict):
        return None
    for option in [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]:
        option = _deref_all(option, document)
        kind = option.get("type") if isinstance(option, dict) else None
        kinds = kind if isinstance(kind, list) else [kind]
        found = next((k for k in kinds if k not in (None, "null")), None)
        if found is not None:
            return str(found)
    return None


def properties_of(schema: Any, document: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The properties an object schema declares, and whether it admits others (``additionalProperties``
    not false): a field the schema does not name may still be read by the app only in the latter case."""
    merged = _merged_object(schema, document)
    if merged is None:
        return {}, False
    return merged.get("properties", {}), merged.get("additionalProperties", True) is not False


def _object_properties(schema: Any, document: dict[str, Any] | None) -> dict[str, Any] | None:
    merged = _merged_object(schema, document)
    return None if merged is None else merged.get("properties", {})


def _merged_object(schema: Any, document: dict[str, Any] | None) -> dict[str, Any] | None:
    """``schema`` with its ``$ref``s and ``allOf`` resolved, when it describes an object; else None."""
    try:
        schema = _deref_all(schema, document)
        if isinstance(schema, dict) and "allOf" in schema:
            merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
            for part in schema["allOf"]:
                merged = _merge(merged, _deref_all(part, document))
            schema = merged
    except NoMinimalBody:
        return None
    if isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema):
        return schema
    return None


def _deref_all(schema: Any, document: dict[str, Any] | None) -> Any:
    for _ in range(MAX_DEPTH):
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema
        schema = _resolve(schema["$ref"], document)
    raise NoMinimalBody("$refs that point at each other")


def _marked_value(schema: Any, document: dict[str, Any] | None, marker: str) -> Any:
    """``marker`` as ``schema`` takes it (text, or a list of text), or None when it takes no free text."""
    try:
        schema = _deref_all(schema, document)
    except NoMinimalBody:
        return None
    if not isinstance(schema, dict) or any(k in schema for k in ("enum", "const", "format", "pattern")):
        return None
    for combinator in ("anyOf", "oneOf"):
        for option in schema.get(combinator, []):
            value = _marked_value(option, document, marker)
            if value is not None:
                return value
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "string" in kinds:
        if len(marker) > schema.get("maxLength", len(marker)):
            return None
        return marker + "a" * max(0, int(schema.get("minLength", 0)) - len(marker))
    if "array" in kinds and schema.get("maxItems", 1) >= 1 and int(schema.get("minItems", 0)) <= 1:
        item = _marked_value(schema.get("items", {}), document, marker)
        return None if item is None else [item]
    return None
