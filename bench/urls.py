"""The site's URLs plus a trivial view, the baseline the load benchmark compares pages to.

It never ships: only bench/settings.py (DJANGO_SETTINGS_MODULE=bench.settings) uses it.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler400, handler404, handler500, urlpatterns  # noqa: F401


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), *urlpatterns]
