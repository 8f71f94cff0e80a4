from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import WRITERS, role_required
from core.forms import is_id
from inbox import selectors, services


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
