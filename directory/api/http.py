"""What every API endpoint shares: GET only, CORS for any origin, the "api" rate limit
(and the "search" one for a request with `search=`), no query parameter that the endpoint
does not know, and every error as JSON of one shape:
`{"error": {"status": 404, "message": "Not found."}}` (a 429 adds `retry_after`)."""

import functools
import json

from django.http import HttpResponse, JsonResponse

from directory.ratelimit import ratelimit

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")


class BadParameter(ValueError):
    """A query parameter that is malformed, out of bounds or unknown: a 400 with its
    message."""


def error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": {"status": status, "message": message, **extra}}, status=status)


def not_found() -> JsonResponse:
    return error("Not found.", 404)


def _allow_any_origin(response: HttpResponse) -> HttpResponse:
    # The API is public and uses no credentials, so "*" suits every origin and the
    # response does not depend on Origin (no Vary: Origin needed).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _searches(request) -> bool:
    return bool(request.GET.get("search", "").strip())


def _as_api_error(response: HttpResponse) -> HttpResponse:
    """The rate limiter's 429 (`{"error": "...", "retry_after": n}`) in the API's shape."""
    if response.status_code != 429:
        return response
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {}
    retry_after = body.get("retry_after", response.get("Retry-After"))
    message = body.get("error") if isinstance(body.get("error"), str) else "Too many requests."
    extra = {"retry_after": int(retry_after)} if retry_after else {}
    shaped = error(message, 429, **extra)
    if response.has_header("Retry-After"):
        shaped["Retry-After"] = response["Retry-After"]
    return shaped


def check_known(request, known: frozenset[str] | set[str]) -> None:
    """BadParameter for the first query parameter the endpoint does not know."""
    for name in request.GET:
        if name not in known:
            raise BadParameter(f"Unknown parameter: {name}")


def api_view(view=None, *, known=frozenset()):
    """Wrap an API view: answer preflights, refuse other methods, refuse query parameters
    outside `known` (None: any), turn BadParameter into 400, count the request against
    the "api" rate limit (and a search against the budget the site's searches share, so
    the API is no way around it), and allow any origin."""
    if view is None:
        return functools.partial(api_view, known=None if known is None else frozenset(known))

    @ratelimit("api", method=("GET", "HEAD"))
    @ratelimit("search", method=("GET", "HEAD"), when=_searches)
    def limited(request, *args, **kwargs):
        try:
            if known is not None:
                check_known(request, known)
            return view(request, *args, **kwargs)
        except BadParameter as problem:
            return error(str(problem), 400)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Headers"] = (
                "Accept, Accept-Encoding, Content-Type, If-None-Match, If-Modified-Since"
            )
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ALLOWED_METHODS:
            response = error("Method not allowed.", 405)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
        else:
            response = _as_api_error(limited(request, *args, **kwargs))
        return _allow_any_origin(response)

    return wrapped
