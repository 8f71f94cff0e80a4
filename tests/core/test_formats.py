"""The one number and euro format of the product (core/formats.py and its filters)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core import formats

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1249.75"), f"1{NB}249,75{NB}€"),
        (Decimal("520.00"), f"520{NB}€"),
        (520, f"520{NB}€"),
        (0, f"0{NB}€"),
        (Decimal("0.00"), f"0{NB}€"),
        (Decimal("135.00"), f"135{NB}€"),
        (Decimal("12.5"), f"12,50{NB}€"),
        (Decimal("0.05"), f"0,05{NB}€"),
        (Decimal("-3.10"), f"\u22123,10{NB}€"),
        (None, "—"),
    ],
)
def test_euros_to_the_cent_when_not_whole(value, expected):
    assert formats.euros(value) == expected


def test_evolution_is_signed_and_keeps_cents():
    assert formats.evolution(Decimal("949.75"), "€") == f"+949,75{NB}€"
    assert formats.evolution(-2) == "\u22122"
    assert formats.evolution(0) == "0"
    assert formats.evolution(4.5, "%") == f"+4,5{NB}pt"
    assert formats.evolution(None) == "—"


def test_numbers_group_thousands_and_use_a_decimal_comma():
    assert formats.number(1234567) == f"1{NB}234{NB}567"
    assert formats.number(12.46) == "12,5"
    assert formats.number(3.0) == "3"
    assert formats.figure(12.5, "%") == f"12,5{NB}%"
    assert formats.figure(None, "%") == "—"
    assert formats.spreadsheet_number(Decimal("1249.75")) == "1249,75"


def test_filters_use_the_same_helper():
    out = Template("{% load formats %}{{ a|euros }} {{ n|number }} {{ r|figure:'%' }} {{ d|evolution:'€' }}").render(
        Context({"a": Decimal("1249.75"), "n": 1249, "r": 40.0, "d": Decimal("949.75")})
    )
    assert out == f"1{NB}249,75{NB}€ 1{NB}249 40{NB}% +949,75{NB}€"
