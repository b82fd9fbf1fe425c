"""Explanations of scores: SHAP values per client and feature, top reasons, importance, summary plots.

Owns: exact TreeSHAP and linear contributions (contributions), permutation SHAP for other models
(agnostic), and predicting and explaining in batches of rows with bounded memory (batches). Frames and
arrays in and out; no I/O.

May import: the foundation and scoring.model.
"""
