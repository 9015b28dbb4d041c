"""What reading a snapshot reports: file errors that stop it, and one issue per feature.

- A file that cannot be read as a whole raises `SnapshotFileError`; nothing is imported.
- Anything else is an `Issue` of one feature (by its 0-based index) or of the whole file
  (index None): the feature is either rejected (`Rejected`, raised while reading it) or kept
  and repaired (recorded through a `Repair` callback). Report lines are the issues as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

REPORT_FEATURE = _("feature #%(index)s: %(reason)s")
REPORT_FILE = _("file: %(reason)s")

# Records one repair of the feature being read: (code, reason).
Repair = Callable[[str, Any], None]


class SnapshotFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported. The message says why."""


class Rejected(Exception):
    """The feature being read cannot be imported: `code` names the rule, `reason` says why."""

    def __init__(self, code: str, reason: Any) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Issue:
    """One report line: a feature (by 0-based index; None for the whole file) and the reason."""

    index: int | None
    code: str
    reason: str

    def __str__(self) -> str:
        if self.index is None:
            return str(REPORT_FILE % {"reason": self.reason})
        return str(REPORT_FEATURE % {"index": self.index, "reason": self.reason})
