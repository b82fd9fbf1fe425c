"""Decisions on the scores: the decision threshold, the segments of clients and their offers and reasons.

Owns: the threshold and its recall and precision (threshold), the segments by probability and profit with
offers and reasons in plain words (segments), and what a run adds after scoring (decision). Frames in,
frames out: the run reads what a decision needs with the marts, and the report draws the result.

May import: the foundation, scoring.model and scoring.explain.
"""
