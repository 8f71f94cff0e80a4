"""French wording in templates (core/french.py):
{{ name|de }} → « d'Aïcha » or « de Karim »; {{ org|que }} → « qu'Habitat du Lac »;
{% plural n "résidence à créer" "résidences à créer" %}; {% date_range a b %}."""

from django import template

from core import french

register = template.Library()


@register.filter(name="de")
def de(value) -> str:
    return french.elide("de", value)


@register.filter(name="que")
def que(value) -> str:
    return french.elide("que", value)


@register.filter(name="le")
def le(value) -> str:
    return french.elide("le", value)


@register.simple_tag(name="plural")
def plural(count, singular: str, plural_form: str | None = None) -> str:
    return french.plural(count, singular, plural_form)


@register.simple_tag(name="date_range")
def date_range(start, end=None) -> str:
    return french.date_range(start, end)
