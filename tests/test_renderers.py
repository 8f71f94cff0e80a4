"""The forms' renderer writes <select>, checkboxes and radio buttons in Python
(config/renderers.py): the same markup as Django's templates, character for
character."""

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
    boxes = forms.MultipleChoiceField(
        choices=[("Groupe « A »", [("1", "Un & deux"), ("2", "Deux")]), *CHOICES[1:]],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "inline"}),
        initial=["1", "a&b"],
        required=False,
    )
    radios = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    unwrapped = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect(attrs={"id": ""}), required=False)


@pytest.mark.django_db
def test_selects_are_written_as_django_writes_them():
    ResidenceFactory(name="Les Tilleuls & Co")
    ResidenceFactory(name="Le Belvédère")
    data = {"plain": "3", "several": ["a&b"], "yes_no": "true", "residence": "1", "boxes": ["2"], "radios": "3"}
    for given in (None, data):
        ours, django = Everything(given, renderer=FormRenderer()), Everything(given, renderer=DjangoTemplates())
        for name in Everything.base_fields:
            assert "<select" in str(ours[name]) or "<input" in str(ours[name])
            assert str(ours[name]) == str(django[name]), name
        assert str(ours) == str(django)


def test_other_widgets_are_left_to_django():
    class OwnOption(forms.RadioSelect):
        option_template_name = "django/forms/widgets/input_option.html"

    class Others(forms.Form):
        r = forms.ChoiceField(choices=CHOICES, widget=OwnOption)
        t = forms.CharField(widget=forms.Textarea)

    assert str(Others(renderer=FormRenderer())) == str(Others(renderer=DjangoTemplates()))


@pytest.mark.django_db
def test_name_choices_are_listed_as_a_model_choice_field_lists_them():
    """The list filters' residences, quartiers, themes (relais/filters.py): read
    as (pk, name), listed in one pass, and still the same select."""
    from relais.filters import NameChoiceField

    ResidenceFactory(name="Les Tilleuls & Co")
    chosen = ResidenceFactory(name="Le Belvédère")

    class Ours(forms.Form):
        residence = NameChoiceField(queryset=Residence.objects.order_by("pk"), required=False)

    class Djangos(forms.Form):
        residence = forms.ModelChoiceField(queryset=Residence.objects.order_by("pk"), required=False)

    for data in (None, {"residence": str(chosen.pk)}, {"residence": "nope"}):
        ours, django = Ours(data, renderer=FormRenderer()), Djangos(data, renderer=DjangoTemplates())
        assert str(ours["residence"]) == str(django["residence"])
        assert ours.is_valid() == django.is_valid()
    assert "Le Belvédère</option>" in str(Ours({"residence": str(chosen.pk)})["residence"])
    assert f'value="{chosen.pk}" selected' in str(Ours({"residence": str(chosen.pk)})["residence"])
