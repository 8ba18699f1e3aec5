"""The real Better Auth from npm, run as a subprocess (``launcher.RealBetterAuth``)."""

from playground.better_auth.launcher import RealBetterAuth, RealBetterAuthError, node_available

__all__ = ["RealBetterAuth", "RealBetterAuthError", "node_available"]
