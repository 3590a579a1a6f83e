"""Shared pytest set-up."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Slow tests also skip themselves unless FORMCHECK_SLOW=1; the marker lets `-m slow` pick them.
    config.addinivalue_line("markers", "slow: minutes-long runs (30-minute video, 20,000 live frames)")
