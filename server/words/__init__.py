"""Saying what the analysis decided: every word (vocabulary), every sentence (sentences),
and the JSON forms with their sentences (present)."""
