"""Atom feeds of newly published and updated organizations, overall and per issue."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from directory.models import Issue, Organization

ITEMS = 50


class OrganizationsFeed(Feed):
    feed_type = Atom1Feed
    title = "Causeway: new and updated organizations"
    subtitle = "Organizations newly published or updated in the Causeway directory."

    def link(self):
        return reverse("directory:organization-list")

    def items(self):
        return Organization.objects.published().order_by("-updated", "pk")[:ITEMS]

    def item_title(self, item):
        return item.name

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.created

    def item_updateddate(self, item):
        return item.updated


class IssueFeed(OrganizationsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Issue, slug=slug)

    def title(self, issue):
        return f"Causeway: organizations addressing {issue.name}"

    def subtitle(self, issue):
        return issue.summary

    def link(self, issue):
        return issue.get_absolute_url()

    def items(self, issue):
        return Organization.objects.published().addressing(issue).order_by("-updated", "pk")[:ITEMS]
