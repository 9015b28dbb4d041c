"""Fixtures shared by the participation tests."""

from tests.participation.fixtures import *  # noqa: F403
