"""The HSDS API's URLs, named as HSDS names them: no trailing slash but for the root.

config/urls.py includes them at /api/hsds/, outside the language prefix. A slashless
pattern matches as written, so CommonMiddleware's APPEND_SLASH never redirects them.
"""

from django.urls import path, re_path

from directory.api import views

app_name = "hsds-api"

urlpatterns = [
    path("", views.root, name="root"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("organizations", views.organization_list, name="organization-list"),
    path("organizations/<path:id>", views.organization_detail, name="organization-detail"),
    path("services", views.service_list, name="service-list"),
    path("services/<path:id>", views.service_detail, name="service-detail"),
    path("taxonomies", views.taxonomy_list, name="taxonomy-list"),
    path("taxonomies/<path:id>", views.taxonomy_detail, name="taxonomy-detail"),
    path("taxonomy_terms", views.taxonomy_term_list, name="taxonomy-term-list"),
    path("taxonomy_terms/<path:id>", views.taxonomy_term_detail, name="taxonomy-term-detail"),
    path("service_at_locations", views.service_at_location_list, name="service-at-location-list"),
    path(
        "service_at_locations/<path:id>",
        views.service_at_location_detail,
        name="service-at-location-detail",
    ),
    # Anything else under /api/hsds/ is a JSON 404, not the site's page.
    re_path(r"^(?P<rest>.*)$", views.unknown_path, name="unknown"),
]
