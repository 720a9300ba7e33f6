"""The sitemap: every public page, in sections small enough for search engines."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from directory.models import FocusArea, Issue, Opportunity, Organization


class PagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            "directory:home",
            "directory:organization-list",
            "directory:issue-list",
            "directory:focus-area-list",
            "directory:opportunity-list",
            "directory:suggest",
        ]

    def location(self, item):
        return reverse(item)


class OrganizationSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self):
        return Organization.objects.published().only("slug", "updated").order_by("pk")

    def lastmod(self, item):
        return item.updated


class IssueSitemap(Sitemap):
    def items(self):
        return Issue.objects.only("slug").order_by("pk")


class FocusAreaSitemap(Sitemap):
    def items(self):
        return FocusArea.objects.only("slug").order_by("pk")


class OpportunitySitemap(Sitemap):
    def items(self):
        return Opportunity.objects.visible().select_related("organization").order_by("pk")

    def lastmod(self, item):
        return item.updated


SITEMAPS = {
    "pages": PagesSitemap,
    "organizations": OrganizationSitemap,
    "issues": IssueSitemap,
    "focus-areas": FocusAreaSitemap,
    "opportunities": OpportunitySitemap,
}
