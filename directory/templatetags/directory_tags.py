"""Formatting for the public templates: Markdown, highlighting, links that keep filters."""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from directory import markdown, search, structured_data
from directory.cache import cached

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return mark_safe(markdown.render(text))  # noqa: S308 - sanitised by nh3


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
    """An organization's card. Without a search to highlight, the rendered card is cached
    until the content changes, so long lists cost little to render."""
    request = context.get("request")
    card = get_template("includes/organization_card.html")

    def render() -> str:
        return card.render({"org": org, "query": query})

    if query:
        return mark_safe(render())  # noqa: S308 - rendered by an autoescaping template
    html = cached("card", (org.pk, get_language()), render, request)
    return mark_safe(html)  # noqa: S308 - rendered by an autoescaping template


@register.simple_tag(takes_context=True)
def organization_jsonld(context, org):
    page_url = context["request"].build_absolute_uri(org.get_absolute_url())
    return structured_data.script(structured_data.organization_data(org, page_url))
