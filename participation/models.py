"""Residents' contributions, citizen panels and moderation: built by issues 4 and 5."""
