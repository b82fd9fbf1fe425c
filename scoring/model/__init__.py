"""Models: from the rows of a mart to a validated, calibrated estimator. Frames and arrays in and out; no I/O.

Owns: the estimator's view of a mart (dataset), the training-row cap (sampling), the validation splits
(splits), the candidate models (candidates; cv_spaces for the cross-validated search's spaces), the XGBoost
search (xgboost_search), the two ways of choosing a model: on validation rows (holdout_protocol, with
choice: the simplest candidate within noise of the best) or by cross-validated search (cv_protocol), the
feature selection (feature_selection), the cross-fitted production model (final_model), calibration
(calibration) and the metrics (metrics).

May import: the foundation (scoring.settings, tasks, errors, stages) only.
"""
