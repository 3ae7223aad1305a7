"""Saying what the analysis decided: every word (vocabulary), every sentence (sentences),
and results as JSON (jsonable)."""
