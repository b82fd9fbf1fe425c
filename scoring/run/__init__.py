"""The scoring job: the stages put together, with reads at the start and writes at the end.

Owns: training and scoring a task (train), rescoring with a saved model (rescore), predicting, explaining,
segmenting and writing a finished train run (finish), and the run's result with its terminal summary
(result).

May import: every other subpackage but build, generate and the CLI (monitor included: each run's
profiles and drift). Nothing imports it but the CLI (and
the benchmarks).
"""
