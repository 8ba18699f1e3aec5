"""Cases on what a write does to data the caller does not own: ids and owners taken from the body
or the query, fields a caller may not set, and writes that are refused only after they were saved."""

from __future__ import annotations
