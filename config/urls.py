"""The site's URL map: the public directory and the curation admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("directory.urls")),
]

handler400 = "directory.views.errors.bad_request"
handler404 = "directory.views.errors.not_found"
handler500 = "directory.views.errors.server_error"
