"""Where every random byte of the issuer comes from: the OS, or a seeded generator for demos.

``deterministic=True`` swaps the OS source for ``random.Random(seed)`` so that a lesson run twice
(with a frozen clock) yields byte-identical ids, session tokens, salts and JWTs, which nbval
can compare. That is predictable by design and therefore demo-only.
"""

from __future__ import annotations

import random
import secrets
import threading

# Better Auth's generateId: createRandomStringGenerator("a-z", "A-Z", "0-9")(32).
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DEMO_SEED = "better-auth-fastapi-workbook demo seed (public, predictable, never for production)"


class Randomness:
    def __init__(self, *, deterministic: bool, seed: str = DEMO_SEED) -> None:
        self._seeded = random.Random(seed) if deterministic else None
        # Requests run concurrently in the server's thread pool; keep the seeded sequence whole.
        self._lock = threading.Lock()

    @property
    def deterministic(self) -> bool:
        return self._seeded is not None

    def bytes(self, n: int) -> bytes:
        if self._seeded is None:
            return secrets.token_bytes(n)
        with self._lock:
            return self._seeded.randbytes(n)

    def id(self, size: int = 32) -> str:
        """A 32-char ``[A-Za-z0-9]`` id, the format of Better Auth's ids, tokens and kids."""
        if self._seeded is None:
            return "".join(secrets.choice(ID_ALPHABET) for _ in range(size))
        with self._lock:
            return "".join(self._seeded.choice(ID_ALPHABET) for _ in range(size))
