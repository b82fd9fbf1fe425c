"""Benchmarks: wall time and peak memory of each stage, beside a DuckDB scan floor and a pandas peer."""
