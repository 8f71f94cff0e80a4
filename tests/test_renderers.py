"""The forms' renderer writes <select>, checkboxes and radio buttons in Python
(config/renderers.py): the same markup as Django's templates, character for
character."""

from unittest import mock

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
    # Numbers as labels are localised (« 2 026 »), safe text is not escaped twice.
    years = forms.TypedChoiceField(choices=[(2026, 2026), (12500, 1.5)], coerce=int, required=False)
    safe = forms.MultipleChoiceField(
        choices=[(mark_safe("a&amp;b"), 3000)],
        widget=forms.CheckboxSelectMultiple(attrs={"data-x": mark_safe("&lt;ok&gt;"), "class": mark_safe("c&amp;d")}),
        required=False,
    )


@pytest.mark.django_db
def test_selects_are_written_as_django_writes_them():
    ResidenceFactory(name="Les Tilleuls & Co")
    chosen = ResidenceFactory(name="Le Belvédère")
    data = {"plain": "3", "several": ["a&b"], "yes_no": "true", "residence": str(chosen.pk), "boxes": ["2"]}
    for given in (None, {**data, "radios": "3", "years": "12500"}):
        ours, django = Everything(given, renderer=FormRenderer()), Everything(given, renderer=DjangoTemplates())
        for name in Everything.base_fields:
            # Written in Python: Django's templates are not used at all.
            with mock.patch.object(DjangoTemplates, "render", side_effect=AssertionError(name)):
                written = str(ours[name])
            assert "<select" in written or "<input" in written
            assert written == str(django[name]), name
        assert str(ours) == str(django)
    assert f'value="{chosen.pk}" selected>Le Belvédère</option>' in str(Everything(data)["residence"])
    assert ">2\u00a0026</option>" in str(Everything()["years"]) and ">1,5</option>" in str(Everything()["years"])


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


@pytest.mark.django_db
def test_name_choices_keep_django_filters_null_choice():
    from relais.filters import NameChoiceField

    ResidenceFactory(name="Le Belvédère")
    field = NameChoiceField(queryset=Residence.objects.all(), required=False, null_label="Sans résidence")
    assert [label for _, label in field.choices] == ["---------", "Sans résidence", "Le Belvédère"]
