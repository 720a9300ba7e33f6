"""robots.txt."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import override


def robots_txt(request):
    admin_path = "/" + getattr(settings, "ADMIN_URL", "admin/").lstrip("/")
    searches = []
    for code, _name in settings.LANGUAGES:  # search results in every language
        with override(code):
            searches.append(f"Disallow: {reverse('directory:search')}")
    lines = [
        "User-agent: *",
        f"Disallow: {admin_path}",
        *searches,
        f"Sitemap: {request.build_absolute_uri(reverse('directory:sitemap-index'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
