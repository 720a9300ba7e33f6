"""What every API endpoint shares: GET only, CORS for any origin, the "api" rate limit
(and the "search" one for a request with `search=`), and errors as JSON `{"error": ...}`."""

import functools

from django.http import HttpResponse, JsonResponse

from directory.ratelimit import ratelimit

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")


class BadParameter(ValueError):
    """A query parameter that is malformed or out of bounds: a 400 with its message."""


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def not_found() -> JsonResponse:
    return error("Not found.", 404)


def _allow_any_origin(response: HttpResponse) -> HttpResponse:
    # The API is public and uses no credentials, so "*" suits every origin and the
    # response does not depend on Origin (no Vary: Origin needed).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _searches(request) -> bool:
    return bool(request.GET.get("search", "").strip())


def api_view(view):
    """Wrap an API view: answer preflights, refuse other methods, turn BadParameter into
    400, count the request against the "api" rate limit (and a search against the budget
    the site's searches share, so the API is no way around it), and allow any origin."""

    @ratelimit("api", method=("GET", "HEAD"))
    @ratelimit("search", method=("GET", "HEAD"), when=_searches)
    def limited(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadParameter as problem:
            return error(str(problem), 400)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ALLOWED_METHODS:
            response = error("Method not allowed.", 405)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
        else:
            response = limited(request, *args, **kwargs)
        return _allow_any_origin(response)

    return wrapped
