"""The technical team reads failed background jobs in the admin, and cannot change them."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from common.models import JobFailure

pytestmark = pytest.mark.django_db


def test_failed_jobs_are_listed_with_their_error_and_read_only(client):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    failure = JobFailure.objects.create(
        task="common.send_email",
        job_id=7,
        attempt=2,
        arguments={"to": "alice@example.org"},
        error_type="SMTPServerDisconnected",
        error="Connection unexpectedly closed",
    )
    page = client.get(reverse("admin:common_jobfailure_changelist")).content.decode()
    assert "Connection unexpectedly closed" in page
    assert "common.send_email" in page
    change = client.get(reverse("admin:common_jobfailure_change", args=[failure.pk]))
    assert change.status_code == 200
    assert 'name="error"' not in change.content.decode()  # shown, not editable
    assert client.get(reverse("admin:common_jobfailure_add")).status_code == 403
