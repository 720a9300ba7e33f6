"""schema.org JSON-LD for organization pages, so search engines and aggregators can read
who an organization is, where it works and where else it is described."""

import json

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from directory.models import Organization

TYPES = {
    Organization.OrgType.GOVERNMENT: "GovernmentOrganization",
    Organization.OrgType.RESEARCH: "ResearchOrganization",
}


def organization_data(org: Organization, page_url: str) -> dict:
    countries = {c.code: c for c in org.countries.all()}
    if org.headquarters:
        countries.setdefault(org.headquarters.code, org.headquarters)
    data = {
        "@context": "https://schema.org",
        "@type": TYPES.get(org.org_type, "NGO"),
        "@id": page_url,
        "url": page_url,
        "name": org.name,
        "description": org.summary,
        "sameAs": [url for url in (org.website,) if url],
        "areaServed": [
            {"@type": "Country", "name": country.name, "identifier": code}
            for code, country in sorted(countries.items())
        ],
    }
    if org.alternate_name:
        data["alternateName"] = org.alternate_name
    if org.founded:
        data["foundingDate"] = str(org.founded)
    if org.email:
        data["email"] = org.email
    if org.headquarters:
        data["location"] = {"@type": "Country", "name": org.headquarters.name}
    identifiers = [
        {"@type": "PropertyValue", "propertyID": i.identifier_scheme, "value": i.identifier}
        for i in org.identifiers.all()
    ]
    if identifiers:
        data["identifier"] = identifiers
    return data


def script(data: dict) -> SafeString:
    """A JSON-LD <script> block; `<`, `>` and `&` are escaped so text cannot end the block."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
