"""Indicator definitions, counters, readings and evaluations: built by issues 3, 4 and 6."""
