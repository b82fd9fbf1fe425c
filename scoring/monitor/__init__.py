"""Operating the scores week after week: what each run scored and how far it moved, how past runs did once
their outcomes came in, and whether the raw sources look healthy.

Owns: the profiles of a run's rows and of its model's training reference, computed by DuckDB in SQL
(profiles), the drift between two profiles (drift), a run's profiles and drift as rows of
scoring.feature_profiles and scoring.drift (runs), the realised performance of past runs
(realised), the data health of each build (health), and the terminal summary of `scoring monitor` with its
failure conditions (summary). Its modules run SQL on a connection the caller owns (a run's transaction, an
in-memory DuckDB over frames, a build's publish) and return small frames; the HTML pages are drawn by
scoring.report from those frames.

May import: the foundation, scoring.store and scoring.model (the feature spec of a mart).
"""
