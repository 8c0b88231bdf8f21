"""Fixtures for every test; helpers live in support.py so test folders can share them."""

from __future__ import annotations

import sys
from pathlib import Path

import pulumi
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support import RecordingMocks  # noqa: E402


@pytest.fixture
def mocks() -> RecordingMocks:
    """A fresh set of mocks for each test."""
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="goship", stack="test", preview=False)
    return recording
