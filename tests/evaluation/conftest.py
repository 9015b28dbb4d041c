"""Fixtures shared by the evaluation tests (the same people and panels)."""

from tests.participation.fixtures import *  # noqa: F403
