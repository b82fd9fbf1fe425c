"""The benchmark's tests use the product tests' data sets and builds (the tiny data with the optional
campaign files and its dbt build): the session fixtures of tests/warehouses.py, shared as a plugin so that
they are built once for both test folders."""

pytest_plugins = ["tests.warehouses"]
