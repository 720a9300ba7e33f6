"""The primary/replica router: reads to one replica per request, writes to the primary, and
the primary for anything that must see its own writes."""

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from config import routers
from config.routers import PrimaryReplicaRouter, ReplicaPinningMiddleware
from directory.models import Organization
from tests.factories import make_org

REPLICAS = ["replica_1", "replica_2"]


@pytest.fixture
def router(settings):
    settings.DATABASE_REPLICAS = REPLICAS
    token = routers._pinned.set(False), routers._replica.set(None)
    yield PrimaryReplicaRouter()
    routers._pinned.reset(token[0])
    routers._replica.reset(token[1])


def test_reads_go_to_one_replica_for_the_whole_request(router):
    chosen = {router.db_for_read(Organization) for _ in range(20)}
    assert len(chosen) == 1
    assert chosen <= set(REPLICAS)


def test_writes_go_to_the_primary_and_later_reads_follow_them(router):
    assert router.db_for_read(Organization) in REPLICAS
    assert router.db_for_write(Organization) == "default"
    assert router.db_for_read(Organization) == "default"


def test_sessions_accounts_and_lockouts_are_read_from_the_primary(router):
    from axes.models import AccessAttempt

    for model in (Session, User, AccessAttempt):
        assert router.db_for_read(model) == "default"


def test_reads_inside_a_transaction_go_to_the_primary(router, monkeypatch):
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    assert router.db_for_read(Organization) == "default"
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    assert router.db_for_read(Organization) in REPLICAS


def test_without_replicas_everything_is_the_primary(router, settings):
    settings.DATABASE_REPLICAS = []
    assert router.db_for_read(Organization) == "default"


def test_objects_from_the_primary_and_replicas_may_be_related(router):
    org, other = Organization(), Organization()
    org._state.db, other._state.db = "replica_1", "default"
    assert router.allow_relation(org, other) is True
    other._state.db = "elsewhere"
    assert router.allow_relation(org, other) is None


def test_only_the_primary_is_migrated(router):
    assert router.allow_migrate("default", "directory") is True
    assert router.allow_migrate("replica_1", "directory") is False


def through_middleware(request, router):
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Organization)
        return HttpResponse()

    ReplicaPinningMiddleware(view)(request)
    return seen["read"]


def test_anonymous_get_requests_read_from_a_replica(router):
    assert through_middleware(RequestFactory().get("/"), router) in REPLICAS


def test_a_curators_requests_and_any_post_read_from_the_primary(router, settings):
    factory = RequestFactory()
    signed_in = factory.get("/admin/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert through_middleware(signed_in, router) == "default"
    assert through_middleware(factory.post("/suggest/"), router) == "default"


def test_a_write_in_one_request_does_not_pin_the_next(router):
    def writing_view(request):
        router.db_for_write(Organization)
        return HttpResponse()

    ReplicaPinningMiddleware(writing_view)(RequestFactory().get("/"))
    assert through_middleware(RequestFactory().get("/"), router) in REPLICAS


@pytest.fixture
def mirror(settings, router):
    """A second connection to the test database under a replica's alias: what a TEST
    MIRROR of "default" is, made here so the suite's settings need no replica."""
    primary = connections["default"]
    replica = primary.__class__({**primary.settings_dict, "TEST": {"MIRROR": "default"}},
                                alias="replica_1")  # fmt: skip
    connections["replica_1"] = replica
    settings.DATABASE_REPLICAS = ["replica_1"]
    settings.DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    yield replica
    replica.close()
    del connections["replica_1"]


@pytest.mark.django_db(transaction=True)
def test_page_reads_go_to_the_replica_and_see_the_primarys_committed_rows(client, mirror):
    org = make_org("Harbor House")
    routers._pinned.set(False)  # the factory's writes pinned this test's thread

    with CaptureQueriesContext(mirror) as on_replica:
        response = client.get(org.get_absolute_url())

    assert response.status_code == 200
    assert "Harbor House" in response.content.decode()
    assert any("directory_organization" in q["sql"] for q in on_replica.captured_queries)
