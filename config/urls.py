"""The site's URL map: the public directory, the curation admin and the health probe.

The directory's HTML pages are in English at the root (`/organizations/`) and in Korean
under `/ko/` (`/ko/organizations/`); its feeds, sitemaps and robots.txt, the admin and
the probe have one address whatever the language.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern

from directory import urls as directory
from directory.views import health

# Every directory URL reverses as "directory:<name>", and Django finds a namespace in one
# include only: so the language prefix wraps the pages inside the namespace rather than
# the namespace itself. (include() refuses i18n_patterns at its top level, hence the
# explicit resolver around them.)
directory_urls = [
    *directory.files,
    URLResolver(RoutePattern(""), i18n_patterns(*directory.pages, prefix_default_language=False)),
]

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("api/hsds/", include("directory.api.urls")),
    path("", include((directory_urls, directory.app_name))),
    # LocaleMiddleware reads the language from the path only when the root URLconf itself
    # holds i18n_patterns; this empty one tells it so, and that English has no prefix.
    *i18n_patterns(prefix_default_language=False),
]

handler400 = "directory.views.errors.bad_request"
handler404 = "directory.views.errors.not_found"
handler500 = "directory.views.errors.server_error"
