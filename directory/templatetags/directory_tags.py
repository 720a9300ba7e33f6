"""Formatting for the public templates: Markdown, highlighting, links that keep filters."""

from django import template
from django.utils.safestring import mark_safe

from directory import markdown, search

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
