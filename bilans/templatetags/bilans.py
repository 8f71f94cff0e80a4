"""The bilan's own wording helpers; numbers are formatted by core's `formats` filters."""

from django import template

register = template.Library()


@register.filter
def pluriel(value, suffix: str = "s") -> str:
    """French plural: 0 and 1 take the singular (« 0 remontée », « 1,5 an »)."""
    try:
        return suffix if abs(float(value)) >= 2 else ""
    except (TypeError, ValueError):
        return ""
