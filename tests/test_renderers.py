"""The forms' renderer writes <select> in Python (config/renderers.py): the same
markup as Django's templates, character for character."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from config.renderers import FormRenderer
from relais.models import Residence
from tests.factories import ResidenceFactory

CHOICES = [("", "— choisir —"), ("a&b", "Tom & Jerry <3"), ("2", mark_safe("<em>sûr</em>")), ("3", "L'Étoile « 3 »")]


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    chosen = forms.ChoiceField(choices=CHOICES, initial="a&b", widget=forms.Select(attrs={"class": "x", "data-q": '"'}))
    grouped = forms.ChoiceField(choices=[("Quartier 1", [("1", "Un"), ("2", "Deux")]), ("3", "Trois")], initial="2")
    several = forms.MultipleChoiceField(choices=CHOICES[1:], initial=["2", "3"], required=False)
    yes_no = forms.NullBooleanField(required=False)
    empty = forms.ChoiceField(choices=[], required=False, disabled=True)
    residence = forms.ModelChoiceField(queryset=Residence.objects.order_by("pk"), required=False)


@pytest.mark.django_db
def test_selects_are_written_as_django_writes_them():
    ResidenceFactory(name="Les Tilleuls & Co")
    ResidenceFactory(name="Le Belvédère")
    for data in (None, {"plain": "3", "several": ["a&b"], "yes_no": "true", "residence": "1"}):
        ours, django = Everything(data, renderer=FormRenderer()), Everything(data, renderer=DjangoTemplates())
        for name in Everything.base_fields:
            assert "<select" in str(ours[name])
            assert str(ours[name]) == str(django[name]), name
        assert str(ours) == str(django)


def test_other_widgets_are_left_to_django():
    class Radios(forms.Form):
        r = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)

    assert str(Radios(renderer=FormRenderer())) == str(Radios(renderer=DjangoTemplates()))
