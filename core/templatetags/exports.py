"""`{% export_links %}`: the page's list as CSV or XLSX, with the page's filters."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def export_links(context) -> str:
    query = context["request"].GET.copy()
    for key in ("page", "format"):
        query.pop(key, None)
    links = []
    for fmt, label in (("csv", "CSV"), ("xlsx", "Excel")):
        query["format"] = fmt
        links.append(format_html('<a class="button" href="?{}" download>Exporter ({})</a>', query.urlencode(), label))
    return format_html('<p class="exports">{} {}</p>', *links)
