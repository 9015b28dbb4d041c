from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """What every app shares; its one table is the record of failed background jobs."""

    name = "common"
    verbose_name = _("Background jobs")


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on Tactique's site (`common.adminsite.AdminSite`); named in
    INSTALLED_APPS in place of `django.contrib.admin`."""

    default = False  # not the configuration of the `common` app
    default_site = "common.adminsite.AdminSite"
