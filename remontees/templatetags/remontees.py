"""The remontées of a residence, shown on the residence's page (an app below
this one cannot read remontées: it loads this tag by name)."""

from django import template

from remontees import selectors

register = template.Library()


@register.inclusion_tag("remontees/_residence_card.html", takes_context=True)
def residence_remontees(context, residence, limit: int = 10):
    rows, total = selectors.residence_latest(context["request"].user, residence, limit=limit)
    return {"residence": residence, "rows": rows, "total": total}
