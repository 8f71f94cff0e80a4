from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from reunions import services
from reunions.models import Invitee


@require_http_methods(["GET", "POST"])
def rsvp(request, token: str):
    """Answer an invitation with one tap, without logging in. The door is the
    signed link itself: forged, altered or expired links change nothing."""
    try:
        invitee = services.invitee_from_token(token)
    except ValidationError as error:
        return render(request, "reunions/rsvp.html", {"error": " ".join(error.messages)}, status=400)
    context = {"invitee": invitee, "reunion": invitee.reunion, "answers": Invitee.Answer.choices[1:]}
    if request.method == "POST":
        try:
            services.answer_set(invitee=invitee, answer=request.POST.get("answer", ""))
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return render(request, "reunions/rsvp.html", context, status=400)
        context["saved"] = True
    context["when"] = services._when(invitee.reunion)
    return render(request, "reunions/rsvp.html", context)
