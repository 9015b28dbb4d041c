"""Fixtures of the usage tests."""

import pytest

from .helpers import make_counter, north_of


@pytest.fixture
def counter(db):
    """A counter 20 m north of the `line` fixture of tests/conftest.py (lat 45.76)."""
    lon, lat = north_of(4.834, 45.76, 20)
    return make_counter("C1", lon=lon, lat=lat, name="Compteur Test")
