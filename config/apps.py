"""Django's admin app, with our admin site (config.admin_site) as the default one."""

from django.contrib.admin.apps import AdminConfig


class CausewayAdminConfig(AdminConfig):
    default_site = "config.admin_site.CausewayAdminSite"
