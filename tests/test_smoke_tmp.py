import re
import pytest
from tests.factories import make_org, make_issue, make_program, make_focus_area
from directory.models import Country

pytestmark = pytest.mark.django_db

def test_probe(client):
    t = make_issue("Trafficking", slug="trafficking")
    x = make_issue("X", slug="x")
    y = make_issue("Y", slug="y")
    o = make_org("A", issues=[x, y], countries=["US", "JP"], headquarters=Country.objects.get(pk="KR"))
    make_program(o, "P", issues=[t])
    for url in ["/organizations/?issue=trafficking", "/organizations/?country=KR"]:
        r = client.get(url)
        print(url, r.status_code, re.findall(r"<option[^>]*>[^<]*</option>", r.content.decode()))
    for url in ["/organizations/?issue=%00", "/organizations/?country=%00", "/organizations/?focus=%00", "/organizations/?q=_", "/search/?q=_", "/organizations/?type=%00", "/organizations/?q=the", "/search/?q=%E2%80%8B"]:
        try:
            r = client.get(url)
            print(url, r.status_code)
        except Exception as e:
            print(url, "EXC", type(e), e)
