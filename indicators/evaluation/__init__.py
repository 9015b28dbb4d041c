"""The evaluation engine: pure Python + pandas, no ORM import (issue 6).

Selectors hand it plain rows; it returns dataclasses; services persist them.
"""
