# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures of the runner_metrics tests (run by CTest: `ctest -R python`)."""

import os
import shutil
from pathlib import Path

import pytest

import runner_metrics

SOURCE_DIR = Path(__file__).resolve().parents[2]
VECTORS = SOURCE_DIR / "tests" / "data" / "vectors.jsonl"


@pytest.fixture
def log_path(tmp_path, monkeypatch):
    """METRICS_LOG_PATH pointed at a fresh file, as the ancestor's tests did it."""
    path = tmp_path / "metrics.log"
    monkeypatch.setattr(runner_metrics, "METRICS_LOG_PATH", path)
    return path


@pytest.fixture
def cli():
    """The runner-metrics command of the same build (RUNNER_METRICS_CLI, set by CTest)."""
    path = os.environ.get("RUNNER_METRICS_CLI") or shutil.which("runner-metrics")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("no runner-metrics command: set RUNNER_METRICS_CLI (CTest does)")
    return path
