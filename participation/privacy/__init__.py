"""Personal data: what Tactique holds about a resident, its export, and deleting an account."""
