"""The background jobs of `participation` (rules in `common.jobs`): the two digests
(`participation.follows.digests`). The crons are in UTC: 06:00 is 07:00 or 08:00 in Paris."""

from __future__ import annotations

from common.jobs import app, job_middleware
from participation.follows.digests import moderators_digest_send, weekly_digests_send

WEEKLY_CRON = "0 6 * * 1"  # Mondays
DAILY_CRON = "0 6 * * *"


@app.periodic(cron=WEEKLY_CRON, periodic_id="weekly-digests")
@app.task(name="participation.weekly_digests", queue="emails", task_middleware=[job_middleware])
def weekly_digests(timestamp: int) -> None:
    """Every Monday morning: the residents' weekly digests."""
    weekly_digests_send()


@app.periodic(cron=DAILY_CRON, periodic_id="moderators-digest")
@app.task(name="participation.moderators_digest", queue="emails", task_middleware=[job_middleware])
def moderators_digest(timestamp: int) -> None:
    """Every morning: yesterday's reports, to the moderators."""
    moderators_digest_send()
