"""French number typography, the one place the product formats figures.

« 1 249,75 € », « 520 € », « 0 € », « 12,5 % », « +949,75 € », « −2 »: thousands
and the space before a unit are non-breaking spaces (U+00A0, as Django's French
locale writes them), decimals take a comma, a negative number a true minus sign.
Euros show their cents whenever the amount is not whole, and never round them.
Templates use the filters of `core/templatetags/formats.py`; exports and charts
call these functions.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NBSP = "\u00a0"
MINUS = "\u2212"
EMPTY = "—"

UNITS = {"%": "%", "€": "€", "j": "j", "pt": "pt"}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _digits(amount: Decimal, decimals: int) -> str:
    """|amount| rounded half-up to `decimals`, thousands grouped, decimal comma."""
    rounded = abs(amount).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = NBSP.join(groups)
    return f"{text},{fraction}" if fraction else text


def number(value, decimals: int = 1, *, signed: bool = False) -> str:
    """A count or a ratio: whole numbers without decimals, others to `decimals` places.

    « — » when there is no value (nothing to compute it from)."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    places = 0 if amount == amount.to_integral_value() else decimals
    text = _digits(amount, places)
    if text.strip("0,") == "":  # −0,0 reads as 0
        return "0"
    if amount < 0:
        return MINUS + text
    return ("+" if signed and amount > 0 else "") + text


def euros(value, *, signed: bool = False) -> str:
    """An amount in euros: « 520 € » when whole, « 1 249,75 € » otherwise (to the cent)."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    places = 0 if amount == amount.to_integral_value() else 2
    text = _digits(amount, places)
    if amount < 0:
        text = MINUS + text
    elif signed and amount > 0:
        text = "+" + text
    return f"{text}{NBSP}€"


def figure(value, unit: str = "", *, signed: bool = False) -> str:
    """A figure with its unit: "" (a count), "€", "%", "j" (days) or "pt" (percentage points)."""
    if unit == "€":
        return euros(value, signed=signed)
    text = number(value, signed=signed)
    if text == EMPTY or not unit:
        return text
    return f"{text}{NBSP}{UNITS.get(unit, unit)}"


def evolution(value, unit: str = "") -> str:
    """A change between two periods, always signed: +3, −2, 0; a change of a
    percentage is in points (« +4,5 pt »)."""
    if value is None:
        return EMPTY
    return figure(value, "pt" if unit == "%" else unit, signed=True)


def spreadsheet_number(value) -> str:
    """A number for a French CSV cell: decimal comma, no grouping (a spreadsheet reads it as a number)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return f"{amount:f}".replace(".", ",")


def duration(minutes) -> str:
    """Time given, from minutes: « 1 h 30 », « 45 min », « 12 h », « 1 249 h 05 »."""
    if minutes is None or minutes == "":
        return EMPTY
    total = int(minutes)
    sign = MINUS if total < 0 else ""
    hours, rest = divmod(abs(total), 60)
    if not hours:
        return f"{sign}{rest}{NBSP}min"
    text = f"{sign}{_digits(Decimal(hours), 0)}{NBSP}h"
    return f"{text}{NBSP}{rest:02d}" if rest else text


def hours(minutes) -> str:
    """Minutes as decimal hours for a total: « 1 249,5 h » (a bilan's figure)."""
    if minutes is None:
        return EMPTY
    return figure(Decimal(int(minutes)) / 60, "h")
