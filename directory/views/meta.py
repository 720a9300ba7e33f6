"""robots.txt."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse


def robots_txt(request):
    admin_path = "/" + getattr(settings, "ADMIN_URL", "admin/").lstrip("/")
    lines = [
        "User-agent: *",
        f"Disallow: {admin_path}",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('directory:sitemap-index'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
