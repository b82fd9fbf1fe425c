"""A SQL-first feature store with batch scoring for online stores."""

__version__ = "0.1.0"
