"""Conformance suite: the embedded issuer against the real Better Auth, scenario by scenario."""
