"""Error pages in the site's design."""

from django.core.exceptions import BadRequest
from django.shortcuts import render


def bad_request(request, exception=None):
    # Only our own BadRequest messages are meant for visitors.
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "errors/400.html", {"message": message}, status=400)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
