"""What the benchmarks share: a throwaway database, and how figures are printed.

Import it after Django is set up (each script sets `config.test_settings` first).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment


@contextlib.contextmanager
def throwaway_database(name: str) -> Iterator[None]:
    """Create the database `name` (migrated, as the test suite's), use it, drop it.

    A name of our own: create_test_db() would otherwise reuse, and with autoclobber drop, the
    test suite's `test_<name>` database while someone may be running the tests.
    """
    connection.settings_dict["TEST"]["NAME"] = name
    original_name = connection.settings_dict["NAME"]
    setup_test_environment(debug=False)
    print(f"Creating the throwaway database {name}…")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        teardown_test_environment()


def thousands(n: float) -> str:
    return f"{round(n):,}".replace(",", "\N{NARROW NO-BREAK SPACE}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"
