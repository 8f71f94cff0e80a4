from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import WRITERS, role_required
from core.forms import is_id
from core.views import form_page
from inbox import selectors, services
from inbox.forms import NotifyForm


@role_required(*WRITERS)
def inbox(request):
    """« À traiter » : what waits for the team, each line linking to where it is dealt with."""
    groups = selectors.inbox(request.user)
    return render(
        request,
        "inbox/inbox.html",
        {
            "groups": groups,
            "total": sum(g.total for g in groups),
            "colleagues": selectors.colleagues(request.user),
            "now": timezone.now(),
        },
    )


@role_required(*WRITERS)
@require_POST
def assign(request):
    wanted = request.POST.get("assignee", "")
    try:
        item = services.item_for(request.user, request.POST.get("item", ""))
        if wanted and not is_id(wanted):
            raise ValidationError("Choisissez une personne de l'équipe.")
        assignee = services.item_assign(item=item, assignee_id=int(wanted) if wanted else None, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"C'est confié à {assignee}." if assignee else "Plus personne ne suit cet élément.")
    return redirect("inbox:inbox")


@role_required(*WRITERS)
def preferences(request):
    """How this staff member is told of what waits: at once, a daily digest, never."""
    form = NotifyForm(request.POST or None, initial={"notify": selectors.notify_of(request.user)})
    if request.method == "POST" and form.is_valid():
        services.notify_set(user=request.user, mode=form.cleaned_data["notify"])
        messages.success(request, "C'est enregistré.")
        return redirect("inbox:inbox")
    return form_page(
        request,
        form,
        title="Être prévenu·e",
        back=reverse("inbox:inbox"),
        intro="Un message aussitôt pour chaque remontée d'un relais, chaque proposition ou demande d'initiative "
        "(et chaque remontée rouverte que personne ne suit), ou un résumé chaque matin de tout ce qui attend, "
        "ou rien : « À traiter » reste la première page que vous voyez.",
    )
