"""Storage, and only storage: the DuckDB warehouse, the Parquet tables of a Spark build, and files.

Owns: reading marts and writing the scoring.* tables (warehouse; batch_writer for runs written batch by
batch), the choice of reader for the build's target (marts), Parquet I/O for Spark (lake), the atomic
replacement of the warehouse file and the one-run-at-a-time lock (atomic), and saved models, run results
and plots on disk (artifacts).

May import: the foundation (scoring.settings, tasks, errors, stages) and scoring.model (to save and load
models). No module here computes anything it writes.
"""
