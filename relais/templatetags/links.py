"""`{% url %}` without Django's full reverse for the links every page repeats.

A list page writes a link per row and the navigation a dozen more; Django's
`reverse()` costs about 30 µs each (make bench: a tenth of the remontées
board). For a URL name with no argument, or one non-negative integer (a primary
key, a year), the answer has the same shape every time: it is worked out once
per process — by `reverse()` itself — and then only filled in. Anything else
(keyword arguments, strings, an unknown name) goes to `reverse()` as before.
This library replaces the built-in tag (settings.TEMPLATES, "builtins").
"""

import functools

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

PLACEHOLDER = 987654321


def _where() -> tuple:
    # What reverse() reads besides its arguments: the urlconf (the thread's or
    # the settings'), the script prefix, and the language (translated paths).
    return (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())


@functools.lru_cache(maxsize=2048)
def _shape(where: tuple, view_name: str, current_app: str | None, with_pk: bool) -> tuple[str, str] | None:
    """(before, after) the integer in this URL, or None when it is not that simple."""
    try:
        if not with_pk:
            return reverse(view_name, current_app=current_app), ""
        sample = reverse(view_name, args=[PLACEHOLDER], current_app=current_app)
        check = reverse(view_name, args=[7], current_app=current_app)
    except NoReverseMatch:
        return None
    parts = sample.split(str(PLACEHOLDER))
    if len(parts) != 2 or parts[0] + "7" + parts[1] != check:
        return None
    return parts[0], parts[1]


def quick_reverse(view_name, args: list, current_app: str | None = None, *, where=None) -> str:
    """`where`: what _where() answers, when the caller has it at hand."""
    if len(args) <= 1 and all(type(a) is int and a >= 0 for a in args) and isinstance(view_name, str):
        shape = _shape(where or _where(), view_name, current_app, bool(args))
        if shape is not None:
            return f"{shape[0]}{args[0]}{shape[1]}" if args else shape[0]
    return reverse(view_name, args=args, current_app=current_app)


class QuickURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        # What reverse() reads besides the name, once per page rather than per link.
        where = getattr(context, "_url_where", None)
        if where is None:
            try:
                current_app = context.request.current_app
            except AttributeError:
                try:
                    current_app = context.request.resolver_match.namespace
                except AttributeError:
                    current_app = None
            where = context._url_where = (current_app, _where())
        url = ""
        try:
            url = quick_reverse(view_name, args, where[0], where=where[1])
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return QuickURLNode(node.view_name, node.args, node.kwargs, node.asvar)
