"""Residents' public profiles: the pseudonym, the only name ever shown."""
