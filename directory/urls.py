"""The directory's URLs, every one named in the `directory` namespace.

`pages` are the HTML pages, which config/urls.py serves in English at the root
(`/organizations/`) and in Korean under `/ko/` (`/ko/organizations/`). `files` are for
machines (feeds, sitemaps, robots.txt) and have one address whatever the language.
"""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from directory.feeds import IssueFeed, OrganizationsFeed
from directory.sitemaps import SITEMAPS
from directory.views import (
    browse,
    compare,
    contributions,
    meta,
    organizations,
    search,
    volunteer,
)
from directory.views import pages as site_pages

app_name = "directory"

pages = [
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
    # JSON for the search boxes, in the language of the page that asks.
    path("search/suggest/", search.suggest, name="search-suggest"),
    path("volunteer/", volunteer.opportunity_list, name="opportunity-list"),
    path(
        "organizations/<slug:org_slug>/opportunities/<slug:slug>/",
        volunteer.opportunity_detail,
        name="opportunity-detail",
    ),
    path("compare/", compare.compare, name="compare"),
    path("methodology/", site_pages.methodology, name="methodology"),
    path("about/", site_pages.about, name="about"),
    path("contact/", site_pages.contact, name="contact"),
    path("privacy/", site_pages.privacy, name="privacy"),
]

files = [
    path("feeds/organizations/", OrganizationsFeed(), name="feed-organizations"),
    path("feeds/issues/<slug:slug>/", IssueFeed(), name="feed-issue"),
    path("robots.txt", meta.robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "directory:sitemap-section"},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
