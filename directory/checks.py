"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_email_backend(app_configs, **kwargs):
    """Without SMTP, the emails to curators (with the public's addresses in them) would be
    printed to the console, and so land in the logs."""
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return [
            Warning(
                "EMAIL_HOST is not set: emails to curators are printed into the logs.",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) for SMTP.",
                id="causeway.W001",
            )
        ]
    return []
