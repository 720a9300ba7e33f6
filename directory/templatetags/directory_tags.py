"""Formatting for the public templates: Markdown, highlighting, links that keep filters,
Korean text and the same page in the other language."""

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, override

from directory import cards, markdown, search, structured_data
from directory.ways_to_help import ways_to_help

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return mark_safe(markdown.render(text))  # noqa: S308 - sanitised by nh3


@register.filter
def localized(obj, field: str) -> str:
    """`obj`'s `field` in the active language (its Korean version on Korean pages, if any)."""
    return obj.localized(field)


@register.simple_tag(takes_context=True)
def language_versions(context) -> list[dict]:
    """This page in each language, query string kept: its code, name, address and whether
    it is the one showing. A page with no other version (a 404) offers each home page."""
    request = context.get("request")
    if request is None:
        return []
    # Browsers read "//host/..." (and "/\host/...") as another site's address, which
    # translate_url would keep: one leading slash, so every link stays on this site.
    path = "/" + request.get_full_path().lstrip("/\\")
    current = get_language()
    versions = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        same_site = url.startswith("/") and not url.startswith(("//", "/\\"))
        if (url == path and code != current) or not same_site:
            with override(code):
                url = reverse("directory:home")
        versions.append(
            {
                "code": code,
                "name": name,
                "url": url,
                "absolute_url": request.build_absolute_uri(url),
                "current": code == current,
            }
        )
    return versions


@register.simple_tag
def highlight(text, query, length=240):
    return search.highlight(text, query, length)


@register.simple_tag(takes_context=True)
def query_string(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one); page resets."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def organization_card(context, org, query=None):
    """An organization's card, its name and summary marked with the search's words."""
    name, summary = org.localized("name"), org.localized("summary")
    if query:
        name, summary = search.highlight(name, query, 200), search.highlight(summary, query, 300)
    before, between, after = cards.card_parts(org, context.get("request"))
    html = before + conditional_escape(name) + between + conditional_escape(summary) + after
    return mark_safe(html)  # noqa: S308 - parts from an autoescaping template, text escaped


@register.simple_tag(takes_context=True)
def organization_jsonld(context, org):
    page_url = context["request"].build_absolute_uri(org.get_absolute_url())
    return structured_data.script(structured_data.organization_data(org, page_url))


@register.filter(name="ways_to_help")
def ways_to_help_filter(organization) -> list[dict]:
    """The ways to help an organization, in the order the organization page shows them."""
    return ways_to_help(organization)


@register.filter
def issues_addressed(organization) -> list[tuple]:
    """Each issue it addresses, directly or through a current program (not an ended one)."""
    return organization.issues_addressed()
