"""Backends the checker is proven against: a careful one, one per naive verifier, the seeds' one.

Every app here reads its configuration from the environment when it is BUILT (as real apps do),
so the checker sets ``--env`` first. Each weak app is the careful app with exactly one mistake in
how it checks the signature: the claims (exp, iss, aud) are checked carefully everywhere, so the
checker must flag each app by the cases of its one weakness and by no others.
"""
