"""Error pages in the site's design."""

import functools

from django.core.exceptions import BadRequest, DisallowedHost
from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from directory.results import PageNumberError


def bad_request(request, exception=None):
    if isinstance(exception, DisallowedHost):
        # The site's pages carry their own address, which a request for another host has
        # not got: answer without them.
        return HttpResponseBadRequest(_PLAIN_400, content_type="text/html; charset=utf-8")
    # Only our own BadRequest messages are meant for visitors.
    message = str(exception) if isinstance(exception, BadRequest) else ""
    ctx = {"message": message}
    if isinstance(exception, PageNumberError):  # the same list, from its first page
        params = request.GET.copy()
        params.pop("page", None)
        ctx["first_page_url"] = request.path + (f"?{params.urlencode()}" if params else "")
    return render(request, "errors/400.html", ctx, status=400)


def answers_bad_requests(view):
    """Answer a BadRequest that `view` raises (a malformed page number) with the 400 page
    saying what is wrong, in debug as well: Django shows its traceback page there."""

    @functools.wraps(view)
    def answering_view(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return bad_request(request, error)

    return answering_view


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context and no database: the error may be the database itself.
    try:
        html = loader.render_to_string("errors/500.html")
    except Exception:  # the page must come out whatever broke (even the static manifest)
        html = _PLAIN_500
    return HttpResponseServerError(html)


_PLAIN_500 = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Something went wrong</title>'
    "<h1>Something went wrong</h1><p>Please try again in a moment.</p></html>"
)
_PLAIN_400 = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Bad request</title>'
    "<h1>Bad request</h1><p>This server does not answer for that address.</p></html>"
)
