"""Fixtures shared by the indicators tests (the same people and panels)."""

from tests.participation.fixtures import *  # noqa: F403
