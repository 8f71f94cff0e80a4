"""French number typography for the bilan: 1 234, 12,5 %, +3 / −2, 1 250 €."""

from decimal import Decimal

from django import template

register = template.Library()

NNBSP = "\u202f"  # narrow no-break space: thousands, and before % and €
MINUS = "\u2212"


def _french(value, decimals: int = 1) -> str:
    number = float(value)
    text = f"{abs(number):,.0f}" if number.is_integer() else f"{abs(number):,.{decimals}f}"
    text = text.replace(",", NNBSP).replace(".", ",")
    return (MINUS if number < 0 else "") + text


@register.filter
def num(value, unit: str = "") -> str:
    """A figure with its unit; « — » when there is none (no data to compute it from)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        value = float(value)
    text = _french(value)
    if unit == "%":
        return f"{text}{NNBSP}%"
    if unit == "€":
        return f"{text}{NNBSP}€"
    if unit == "j":
        return f"{text}{NNBSP}j"
    return text


@register.filter
def delta(value, unit: str = "") -> str:
    """An evolution, always signed: +3, −2, 0; « — » when it cannot be computed."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = float(value)
    sign = "+" if value > 0 else ""
    text = sign + num(value, "pt" if unit == "%" else unit)
    return text + (f"{NNBSP}pt" if unit == "%" else "")


@register.filter
def pluriel(value, suffix: str = "s") -> str:
    """French plural: 0 and 1 take the singular (« 0 remontée », « 1,5 an »)."""
    try:
        return suffix if abs(float(value)) >= 2 else ""
    except (TypeError, ValueError):
        return ""
