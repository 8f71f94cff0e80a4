"""The product's number filters: `{{ amount|euros }}`, `{{ n|number }}`,
`{{ rate|figure:"%" }}`, `{{ change|evolution:unit }}` (see core/formats.py)."""

from django import template

from core import formats

register = template.Library()


@register.filter
def number(value) -> str:
    return formats.number(value)


@register.filter
def euros(value) -> str:
    return formats.euros(value)


@register.filter
def figure(value, unit: str = "") -> str:
    return formats.figure(value, unit)


@register.filter
def evolution(value, unit: str = "") -> str:
    return formats.evolution(value, unit)


@register.filter
def duration(minutes) -> str:
    return formats.duration(minutes)
