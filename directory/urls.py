from django.urls import path

from directory.views import browse, contributions, organizations, search

app_name = "directory"

urlpatterns = [
    path("", browse.home, name="home"),
    path("organizations/", organizations.organization_list, name="organization-list"),
    path(
        "organizations/<slug:slug>/",
        organizations.organization_detail,
        name="organization-detail",
    ),
    path(
        "organizations/<slug:slug>/correction/",
        contributions.report_correction,
        name="report-correction",
    ),
    path(
        "organizations/<slug:slug>/correction/thanks/",
        contributions.correction_thanks,
        name="correction-thanks",
    ),
    path("suggest/", contributions.suggest, name="suggest"),
    path("suggest/thanks/", contributions.suggest_thanks, name="suggest-thanks"),
    path("issues/", browse.issue_list, name="issue-list"),
    path("issues/<slug:slug>/", browse.issue_detail, name="issue-detail"),
    path("focus-areas/", browse.focus_area_list, name="focus-area-list"),
    path("focus-areas/<slug:slug>/", browse.focus_area_detail, name="focus-area-detail"),
    path("search/", search.search, name="search"),
]
