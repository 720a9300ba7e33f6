"""The admin site, with TOTP two-factor sign-in for staff when ADMIN_OTP_REQUIRED is on.

It is Django's default admin site (config.apps.CausewayAdminConfig: every `admin.register`
lands here) and reads the setting on each request, so curators sign in with a password
alone in development and enrolled staff add a code in production, on the same URLs.
"""

from django.conf import settings
from django.contrib import admin
from django_otp.admin import OTPAdminAuthenticationForm


class CausewayAdminSite(admin.AdminSite):
    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_OTP_REQUIRED else None

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_OTP_REQUIRED else None

    def has_permission(self, request) -> bool:
        allowed = super().has_permission(request)
        if settings.ADMIN_OTP_REQUIRED:
            return allowed and request.user.is_verified()
        return allowed
