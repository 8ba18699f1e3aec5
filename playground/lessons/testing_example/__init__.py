"""Lesson 04b's worked example, FastAPI ``docs_src`` style: a team's app (``notes_app``) and the
pytest file that tests its protected routes two ways (``test_notes_app``). The lesson runs that
file with pytest; ``tests/lessons/test_testing.py`` runs it too."""
