"""Filter pieces every list uses: choices read through the scoping."""

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django_filters.fields import ModelChoiceField


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


class NameSelect(forms.Select):
    """A select of flat choices for filters that list hundreds of rows (a large
    landlord's residences): its options are listed in one pass (Django builds a
    group and calls three methods for each) and written by one loop of its own
    template (core/templates/core/widgets/name_select.html) instead of one template per
    option, which cost more than the rest of a list page."""

    template_name = "core/widgets/name_select.html"

    def optgroups(self, name, value, attrs=None):
        options, found = [], False
        for index, (option_value, label) in enumerate(self.choices):
            selected = not found and str(option_value) in value
            found |= selected
            options.append(
                {
                    "name": name,
                    "value": option_value,
                    "label": label,
                    "selected": selected,
                    "index": str(index),
                    "attrs": {"selected": True} if selected else {},
                    "type": self.input_type,
                    "template_name": self.option_template_name,
                    "wrap_label": True,
                }
            )
        return [(None, options, 0)]


class NameChoiceField(ModelChoiceField):
    iterator = NameChoiceIterator
    widget = NameSelect


class NameChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice among rows labelled by their `name` (residences, quartiers, themes…)."""

    field_class = NameChoiceField
