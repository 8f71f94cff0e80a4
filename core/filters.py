"""Filter pieces every list uses: choices read through the scoping."""

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django_filters.fields import ModelChoiceField

from core.widgets import NameSelect


def in_scope(model):
    """A filter's choices: the rows of `model` the requester may see (scoping)."""
    return lambda request: model.objects.for_user(request.user)


class NameChoiceIterator(ModelChoiceIterator):
    """Options as (pk, name) read straight from the database: a filter listing
    a large landlord's residences builds no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self.queryset.values_list("pk", "name")


class NameChoiceField(ModelChoiceField):
    iterator = NameChoiceIterator
    widget = NameSelect


class NameChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice among rows labelled by their `name` (residences, quartiers, themes…)."""

    field_class = NameChoiceField


class AllYesNoSelect(forms.NullBooleanSelect):
    """Tous / Oui / Non: an unset yes-no filter lets every row through."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Tous"), ("true", "Oui"), ("false", "Non")]


class AllYesNoFilter(django_filters.BooleanFilter):
    """A yes-no filter whose default reads « Tous » (Django's says « Inconnu »)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AllYesNoSelect)
        super().__init__(*args, **kwargs)
