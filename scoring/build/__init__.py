"""Build the feature store: find the raw files, check them, and run dbt over them.

Owns: raw-file discovery (raw_files), the input checks (checks/), the dbt runner (dbt), the full build
(full_build), the daily incremental refresh (refresh), the Parquet conversion (convert) and the dbt docs
(docs). The features themselves are SQL in dbt_project/; nothing here computes one.

May import: the foundation (scoring.settings, tasks, errors, stages), scoring.store (atomic publishing,
the history carried over to a new build) and scoring.monitor (the realised performance and data health
each build refreshes). Nothing from model, explain, decide, report or run.
"""
