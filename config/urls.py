"""The site's URL map: the public directory, the curation admin and the health probe."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from directory.views import health

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("", include("directory.urls")),
]

handler400 = "directory.views.errors.bad_request"
handler404 = "directory.views.errors.not_found"
handler500 = "directory.views.errors.server_error"
