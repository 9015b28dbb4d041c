"""Writing to a public log (`participation.models.LogEntry`: the panels' deliberation log, the
moderation log). One rule for both: a row is appended inside the transaction of the change it
records, and rows are never changed afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from participation.models import LogEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Entry = TypeVar("Entry", bound=LogEntry)


def log_record(
    log: type[Entry],
    *,
    action: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    **about: Any,
) -> Entry:
    """Append one row to `log`: `action` is a dotted code, `actor` who acted (None for an
    automatic act), `payload` what the row needs to be read later, `about` the log's own
    foreign keys (a panel and a definition, a contribution and a commune)."""
    entry: Entry = log._default_manager.create(
        action=action, actor=actor, payload=payload or {}, **about
    )
    return entry
