"""Fixtures shared by the participation tests."""

import types

import django_ratelimit.core
import pytest

from tests.participation.fixtures import *  # noqa: F403


@pytest.fixture(autouse=True)
def _fixed_ratelimit_clock(monkeypatch):
    """django-ratelimit counts in fixed windows (a minute, an hour…): requests of one test that
    straddle a window's end would see the count start again and the limit not reached. Its
    clock is frozen so a limit test never depends on when it runs."""
    frozen = types.SimpleNamespace(time=lambda: 1_767_225_600.0)  # 2026-01-01 00:00 UTC
    monkeypatch.setattr(django_ratelimit.core, "time", frozen)
