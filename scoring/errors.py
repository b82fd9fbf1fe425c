"""The errors the library raises for a user to act on: each says what is wrong, where, and what to do.

The command line (scoring.cli) turns every ScoringError into a one-paragraph message and exit status 1; any
other exception is a bug and keeps its traceback.
"""


class ScoringError(Exception):
    """Base of the errors a user can act on."""


class FeatureBuildError(ScoringError):
    """The feature build cannot start (missing inputs) or dbt reported a failure."""


class InputCheckFailed(FeatureBuildError):
    """The raw files break their specs (scoring/build/checks/): nothing was built."""


class WarehouseBusy(ScoringError):
    """Another process holds the warehouse: a run, or a session that opened it for writing."""


class DataError(ScoringError, ValueError):
    """The marts (or a saved model's inputs) are not what a run needs: no rows at the scoring date, missing
    features, no labels. The message says which relation and what to run."""


class ConfigError(ScoringError, ValueError):
    """A setting or a task's configuration (scoring/tasks.py, the environment) is not valid."""
