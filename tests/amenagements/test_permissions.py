"""Who may record adaptations: the matrix of user kinds."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User

from amenagements.permissions import can_record_adaptation

pytestmark = pytest.mark.django_db


def user(name, *, staff=False, superuser=False, perm=False, active=True):
    u = User.objects.create_user(
        name, password="pw", is_staff=staff, is_superuser=superuser, is_active=active
    )
    if perm:
        u.user_permissions.add(Permission.objects.get(codename="add_adaptation"))
    return User.objects.get(pk=u.pk)  # fresh instance: no cached permissions


@pytest.mark.parametrize(
    ("make_user", "allowed"),
    [
        (lambda: AnonymousUser(), False),
        (lambda: user("resident"), False),
        (lambda: user("resident_with_perm", perm=True), False),
        (lambda: user("staff_without_perm", staff=True), False),
        (lambda: user("agent", staff=True, perm=True), True),
        (lambda: user("admin", staff=True, superuser=True), True),
        (lambda: user("former_agent", staff=True, perm=True, active=False), False),
    ],
    ids=["anonymous", "resident", "resident-with-perm", "staff", "agent", "superuser", "inactive"],
)
def test_only_active_staff_with_the_permission_record_adaptations(make_user, allowed):
    assert can_record_adaptation(make_user()) is allowed
