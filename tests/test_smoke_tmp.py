import pytest
from tests.factories import make_org, make_issue, make_program

pytestmark = pytest.mark.django_db

def test_pages(client):
    i = make_issue("Human trafficking", slug="human-trafficking")
    o = make_org("Liberty in North Korea", alternate_name="LiNK", issues=[i], countries=["KR"], summary="Rescues refugees", description="We help **refugees** <script>x</script>")
    make_program(o, "Rescue", issues=[i], summary="Rescue of refugees")
    for url in ["/", "/organizations/", "/organizations/?q=refugee", "/organizations/?q=refugees&issue=human-trafficking", f"/organizations/{o.slug}/", "/issues/", "/issues/human-trafficking/", "/focus-areas/", "/search/?q=refugee", "/search/?q=link", "/organizations/?q=%22unbalanced", "/organizations/?q=-", "/organizations/?page=-1", "/organizations/?page=99", "/organizations/?country=ZZ", "/organizations/?q=" + "a"*10000, "/organizations/?q=%00"]:
        r = client.get(url)
        print(url[:60], r.status_code)
        assert r.status_code < 500
    r = client.get("/organizations/?q=refugees")
    assert b"Liberty" in r.content
    r = client.get("/search/?q=refugees")
    print(r.content.decode()[-3000:])
