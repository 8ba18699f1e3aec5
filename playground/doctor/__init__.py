"""The token doctor: why is this token accepted or rejected, and what to do about it.

    python -m playground doctor TOKEN [--jwks-url URL] [--issuer I] [--audience A]
                                      [--leeway S] [--secret-env NAME]

It runs the backend's own checks (``playground.backend.verify``: same functions, same reason
codes), but instead of stopping at the first failure it reports every finding, each with its
likely cause and the fix — the troubleshooting playbook. It reads as its stages, one module
each: ``expected`` (what to check against), ``structure`` (a JWT at all? its header), ``key``,
``signature``, ``claims``, and ``advice`` (cause and fix); ``run`` chains them and ``cli`` is
the command line, the only part that reads the environment.

The verdict is ACCEPTED only when the signature was checked with a key from a JWKS the caller
configured: a token never chooses the keys it is checked with (see ``key``).
"""

from .cli import main
from .expected import ConfigurationError
from .findings import Diagnosis, Finding, Status, Verdict
from .run import adiagnose, diagnose

__all__ = ["ConfigurationError", "Diagnosis", "Finding", "Status", "Verdict", "adiagnose", "diagnose", "main"]
