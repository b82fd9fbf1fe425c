"""Spark tests need a Java runtime (pyspark itself is installed with the project): without one they skip,
except in CI, where a skip would hide that the Spark build is no longer checked."""

import os
import shutil

import pytest


def pytest_collection_modifyitems(items):
    if shutil.which("java") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="no java on PATH: pyspark 4 needs Java 17 or 21 (see the README)")
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(skip)
