"""Lesson 03b, "build it yourself": a minimal verifier written from scratch, and its first draft.

``solution.py`` is the minimal Better Auth verifier for FastAPI (about 60 lines) that passes every
case of ``python -m playground check``. ``draft.py`` is a first draft with the mistakes learners
typically make, one function per mistake. ``app.py`` wires either set of ``Parts`` into the same
routes, so the lesson fixes the draft one part at a time and re-grades after each fix.
"""
