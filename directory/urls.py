from django.urls import path

from directory.views import browse, organizations, search

app_name = "directory"

urlpatterns = [
    path("", browse.home, name="home"),
    path("organizations/", organizations.organization_list, name="organization-list"),
    path(
        "organizations/<slug:slug>/",
        organizations.organization_detail,
        name="organization-detail",
    ),
    path("issues/", browse.issue_list, name="issue-list"),
    path("issues/<slug:slug>/", browse.issue_detail, name="issue-detail"),
    path("focus-areas/", browse.focus_area_list, name="focus-area-list"),
    path("focus-areas/<slug:slug>/", browse.focus_area_detail, name="focus-area-detail"),
    path("search/", search.search, name="search"),
]
