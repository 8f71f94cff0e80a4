import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone

from core.filters import AllYesNoFilter, NameChoiceFilter, in_scope
from core.search import search_q
from core.widgets import FlatSelect
from relais.models import Quartier, Relais, Residence


class ResidenceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="search")
    quartier = NameChoiceFilter(queryset=in_scope(Quartier), label="Quartier")
    qpv = AllYesNoFilter(field_name="quartier__is_qpv", label="QPV")
    covered = AllYesNoFilter(label="Avec un relais actif")

    class Meta:
        model = Residence
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value, "name", "reference", "city"))


class RelaisFilter(django_filters.FilterSet):
    LAST_CONTACT_CHOICES = [
        ("30", "Moins de 30 jours"),
        ("90", "Moins de 90 jours"),
        ("plus90", "Aucun depuis 90 jours"),
        ("jamais", "Jamais"),
    ]

    q = django_filters.CharFilter(label="Recherche", method="search")
    status = django_filters.ChoiceFilter(choices=Relais.Status.choices, label="Statut", widget=FlatSelect)
    residence = NameChoiceFilter(queryset=in_scope(Residence), label="Résidence", field_name="relais_links__residence")
    quartier = NameChoiceFilter(queryset=in_scope(Quartier), label="Quartier", method="in_quartier")
    last_contact = django_filters.ChoiceFilter(
        choices=LAST_CONTACT_CHOICES, label="Dernier contact", method="by_last_contact", widget=FlatSelect
    )

    class Meta:
        model = Relais
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value, "first_name", "last_name", "email"))

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
