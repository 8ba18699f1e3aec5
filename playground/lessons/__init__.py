"""Helpers that belong to one lesson each (``playground/lessons/<topic>.py``), tested in tests/lessons."""
