import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django_filters.fields import ModelChoiceField

from relais.models import Quartier, Relais, Residence


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
    """A select of flat choices, its options listed in one pass (Django builds
    a group and calls three methods for each): the same markup."""

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


class ResidenceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="search")
    quartier = NameChoiceFilter(queryset=in_scope(Quartier), label="Quartier")
    qpv = django_filters.BooleanFilter(field_name="quartier__is_qpv", label="QPV")
    covered = django_filters.BooleanFilter(label="Avec un relais actif")

    class Meta:
        model = Residence
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(reference__icontains=value) | Q(city__icontains=value))


class RelaisFilter(django_filters.FilterSet):
    LAST_CONTACT_CHOICES = [
        ("30", "Moins de 30 jours"),
        ("90", "Moins de 90 jours"),
        ("plus90", "Aucun depuis 90 jours"),
        ("jamais", "Jamais"),
    ]

    q = django_filters.CharFilter(label="Recherche", method="search")
    status = django_filters.ChoiceFilter(choices=Relais.Status.choices, label="Statut")
    residence = NameChoiceFilter(queryset=in_scope(Residence), label="Résidence", field_name="relais_links__residence")
    quartier = NameChoiceFilter(queryset=in_scope(Quartier), label="Quartier", method="in_quartier")
    last_contact = django_filters.ChoiceFilter(
        choices=LAST_CONTACT_CHOICES, label="Dernier contact", method="by_last_contact"
    )

    class Meta:
        model = Relais
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(first_name__icontains=value) | Q(last_name__icontains=value) | Q(email__icontains=value)
        )

    def in_quartier(self, queryset, name, value):
        return queryset.filter(pk__in=Relais.objects.filter(relais_links__residence__quartier=value).values("pk"))

    def by_last_contact(self, queryset, name, value):
        today = timezone.localdate()
        if value == "jamais":
            return queryset.filter(last_contact__isnull=True)
        if value == "plus90":
            cutoff = today - datetime.timedelta(days=90)
            return queryset.filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True))
        return queryset.filter(last_contact__gte=today - datetime.timedelta(days=int(value)))
