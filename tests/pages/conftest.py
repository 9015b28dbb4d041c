"""Fixtures shared by the page tests (the same people and panels)."""

from tests.participation.fixtures import *  # noqa: F403
