"""Lesson 03b, "build it yourself": a Better Auth verifier written part by part, and its first draft.

``solution.py`` is a verifier for FastAPI a team can ship (about 70 lines) that passes every case of
``python -m playground check`` it can be graded on. ``draft.py`` is a first draft with the mistakes
learners typically make, one function per mistake. ``app.py`` wires any set of ``Parts`` into the
same routes (reads and writes, wrapped in CORS); ``grading.py`` grades one learner-written part at a
time (``check_part``) and shows the report of the cases met so far (``brief``).
"""
