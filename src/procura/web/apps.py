"""Django app configuration for web, and the admin site it installs."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WebConfig(AppConfig):
    default = True
    name = "procura.web"
    label = "web"


class PlatformAdminConfig(admin_apps.AdminConfig):
    default = False
    """The Django admin, using Procura's site: platform administrators with two-factor only."""

    default_site = "procura.web.admin_site.PlatformAdminSite"
