"""Engine tests: pure Python, no database (nothing here requests `db`)."""
