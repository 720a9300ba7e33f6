"""robots.txt."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import override


def robots_txt(request):
    # ADMIN_URL is not listed: robots.txt is public, and the docs ask operators to keep that
    # path to themselves. Admin pages tell crawlers "noindex" on their own (Django's admin
    # templates carry <meta name="robots" content="NONE,NOARCHIVE">) and need a login.
    searches = []
    for code, _name in settings.LANGUAGES:  # search results in every language
        with override(code):
            searches.append(f"Disallow: {reverse('directory:search')}")
    lines = [
        "User-agent: *",
        *searches,
        f"Sitemap: {request.build_absolute_uri(reverse('directory:sitemap-index'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
