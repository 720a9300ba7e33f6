"""Per-client rate limits: search answers 429 with Retry-After, clients are told apart by
IP (forwarded addresses only as far as configured), and a dead cache lets requests through."""

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from directory import ratelimit
from tests.factories import make_org

DEAD_REDIS = {
    "BACKEND": "config.cache.ResilientRedisCache",
    "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
}


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "3/m", "api": "2/m"}
    return settings


def request_from(remote="203.0.113.5", forwarded=None, path="/search/"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get(path, **extra)


@pytest.mark.django_db
def test_search_answers_429_with_retry_after_past_the_limit(client, tight):
    make_org("Harbor House", summary="A refugee shelter.")
    statuses = [client.get("/search/", {"q": f"refugee {n}"}).status_code for n in range(3)]
    response = client.get("/search/", {"q": "refugee"})

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many requests" in response.content.decode()
    assert 'href="/static/css/site.css"' in response.content.decode()  # the site's design


@pytest.mark.django_db
def test_a_cached_search_still_counts_against_the_limit(client, tight):
    for _ in range(3):
        assert client.get("/search/", {"q": "refugee"}).status_code == 200
    assert client.get("/search/", {"q": "refugee"}).status_code == 429


@pytest.mark.django_db
def test_the_organization_list_counts_only_searches(client, tight):
    for _ in range(5):
        assert client.get("/organizations/").status_code == 200
    for _ in range(3):
        assert client.get("/organizations/", {"q": "shelter"}).status_code == 200
    assert client.get("/organizations/", {"q": "shelter"}).status_code == 429
    assert client.get("/organizations/").status_code == 200


@pytest.mark.django_db
def test_each_client_has_its_own_allowance(client, tight):
    for _ in range(3):
        client.get("/search/", {"q": "x"}, REMOTE_ADDR="198.51.100.1")
    assert client.get("/search/", {"q": "x"}, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get("/search/", {"q": "x"}, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_api_paths_get_a_json_429(tight):
    view = ratelimit.ratelimit("api", "100/m")(lambda request: HttpResponse("ok"))
    responses = [view(request_from(path="/api/hsds/organizations")) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[-1]["Content-Type"] == "application/json"
    assert json.loads(responses[-1].content)["retry_after"] == int(responses[-1]["Retry-After"])


def test_only_the_named_methods_are_counted(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "forms": "1/h"}
    view = ratelimit.ratelimit("forms", method="POST")(lambda request: HttpResponse("ok"))
    factory = RequestFactory()

    assert view(factory.get("/suggest/")).status_code == 200
    assert view(factory.get("/suggest/")).status_code == 200
    assert view(factory.post("/suggest/")).status_code == 200
    assert view(factory.post("/suggest/")).status_code == 429


def test_the_deployment_rate_wins_over_the_one_in_the_code(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    view = ratelimit.ratelimit("search", "1000/m")(lambda request: HttpResponse("ok"))
    assert [view(request_from()).status_code for _ in range(2)] == [200, 429]


def test_a_window_ends_and_the_client_may_search_again():
    request = request_from()
    assert ratelimit.hit("s", "2/m", request, now=120.0) is None
    assert ratelimit.hit("s", "2/m", request, now=130.0) is None
    assert ratelimit.hit("s", "2/m", request, now=150.0) == 30  # seconds to the window's end
    assert ratelimit.hit("s", "2/m", request, now=180.0) is None


@pytest.mark.parametrize("rate", ["60", "60/x", "0/m", "-1/m", "ten/m", "5/0m"])
def test_a_malformed_rate_fails_when_the_view_is_defined(rate):
    with pytest.raises(ValueError, match="not a rate"):
        ratelimit.ratelimit("search", rate)


def test_forwarded_addresses_are_ignored_unless_proxies_are_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request_from("10.0.0.2", "198.51.100.7")) == "10.0.0.2"


def test_one_trusted_proxy_means_the_last_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    spoofed = request_from("10.0.0.2", "1.2.3.4, 198.51.100.7")
    assert ratelimit.client_ip(spoofed) == "198.51.100.7"


def test_two_trusted_proxies_skip_the_one_the_first_proxy_added(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1")
    assert ratelimit.client_ip(request) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-ip", "198.51.100.7:443"])
def test_a_missing_or_garbled_forwarded_address_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


def test_ipv6_clients_share_one_allowance_per_64_block(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    view = ratelimit.ratelimit("search")(lambda request: HttpResponse("ok"))
    assert view(request_from("2001:db8:1:2::10")).status_code == 200
    assert view(request_from("2001:db8:1:2::99")).status_code == 429
    assert view(request_from("2001:db8:1:3::10")).status_code == 200


def test_requests_go_through_when_the_cache_is_down(settings):
    settings.CACHES = {**settings.CACHES, "default": DEAD_REDIS}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    view = ratelimit.ratelimit("search")(lambda request: HttpResponse("ok"))
    assert [view(request_from()).status_code for _ in range(3)] == [200, 200, 200]
