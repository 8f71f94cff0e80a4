import django_filters

from core.filters import NameChoiceFilter, in_scope
from relais.models import Quartier, Relais, Residence


class BoardFilter(django_filters.FilterSet):
    """Who is stuck where: the step (chosen by the view), the quartier, the residence."""

    residence = NameChoiceFilter(queryset=in_scope(Residence), label="Résidence", field_name="relais_links__residence")
    quartier = NameChoiceFilter(queryset=in_scope(Quartier), label="Quartier", method="in_quartier")

    class Meta:
        model = Relais
        fields: list[str] = []

    def in_quartier(self, queryset, name, value):
        return queryset.filter(pk__in=Relais.objects.filter(relais_links__residence__quartier=value).values("pk"))
