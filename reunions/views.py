import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from relais.access import WRITERS, access_for, role_required
from reunions import services
from reunions.forms import InviteForm, ReunionForm, WhenForm
from reunions.models import Invitee, Reunion


@role_required(*WRITERS)
def reunion_list(request):
    now = timezone.now()
    meetings = Reunion.objects.for_user(request.user).annotate(
        n_invited=Count("invitees", filter=Q(invitees__invited=True)),
        n_present=Count("invitees", filter=Q(invitees__answer=Invitee.Answer.PRESENT)),
    )
    upcoming = meetings.filter(ends_at__gte=now).order_by("starts_at")
    past = Paginator(meetings.filter(ends_at__lt=now).order_by("-starts_at"), 25).get_page(request.GET.get("page"))
    return render(request, "reunions/reunion_list.html", {"upcoming": upcoming[:50], "past": past})


@role_required(*WRITERS)
def reunion_create(request):
    form = ReunionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = {k: data[k] for k in ("residence", "address", "online_url")}
        step = datetime.timedelta(weeks=data["every_weeks"])
        organisation = access_for(request.user).organisation
        try:
            if data["repeat"] > 1:
                series = services.series_plan(
                    organisation=organisation,
                    by=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    occurrences=[
                        (data["starts_at"] + n * step, data["ends_at"] + n * step) for n in range(data["repeat"])
                    ],
                    themes=data["themes"],
                    **place,
                )
                first = series.reunions.order_by("starts_at").first()
                messages.success(request, f"{data['repeat']} réunions sont planifiées.")
            else:
                first = services.reunion_plan(
                    organisation=organisation,
                    by=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    themes=data["themes"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    **place,
                )
                messages.success(request, "La réunion est planifiée : invitez maintenant les participants.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reunions:reunion_detail", reunion=first.pk)
    return render(
        request,
        "relais/form.html",
        {"form": form, "title": "Planifier une réunion", "back": reverse("reunions:reunion_list")},
    )


@role_required(*WRITERS)
def reunion_detail(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion)
    invitees = list(
        Invitee.objects.for_user(request.user)
        .filter(reunion=reunion)
        .select_related("relais", "user")
        .order_by("relais__last_name", "user__last_name")
    )
    answers = {value: sum(1 for i in invitees if i.answer == value) for value, _ in Invitee.Answer.choices}
    return render(
        request,
        "reunions/reunion_detail.html",
        {
            "reunion": reunion,
            "invitees": invitees,
            "answers": answers,
            "present": sum(1 for i in invitees if i.attended),
            "can_change": reunion.status == Reunion.Status.PREVUE,
        },
    )


@role_required(*WRITERS)
def reunion_invite(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    form = InviteForm(request.POST or None, user=request.user)
    context = {"reunion": reunion, "form": form}
    if request.method == "POST" and form.is_valid():
        relais, users = services.invitation_candidates(user=request.user, **form.cleaned_data)
        if "confirm" in request.POST:
            try:
                count = services.invitations_send(reunion=reunion, by=request.user, relais=relais, users=users)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{count} invitation(s) envoyée(s).")
                return redirect("reunions:reunion_detail", reunion=reunion.pk)
        else:
            context.update(preview=True, relais=relais, users=users, total=len(relais) + len(users))
    return render(request, "reunions/reunion_invite.html", context)


@role_required(*WRITERS)
def reunion_move(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    local = timezone.localtime(reunion.starts_at)
    form = WhenForm(
        request.POST or None,
        initial={"date": local.date(), "start": local.time(), "end": timezone.localtime(reunion.ends_at).time()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reunion_move(
                reunion=reunion,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La réunion est déplacée ; les invités sont prévenus.")
            return redirect("reunions:reunion_detail", reunion=reunion.pk)
    return render(
        request,
        "relais/form.html",
        {
            "form": form,
            "title": f"Déplacer « {reunion} »",
            "back": reverse("reunions:reunion_detail", args=[reunion.pk]),
        },
    )


@role_required(*WRITERS)
def reunion_cancel(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    if request.method == "POST":
        try:
            services.reunion_cancel(reunion=reunion, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "La réunion est annulée ; les invités sont prévenus.")
        return redirect("reunions:reunion_detail", reunion=reunion.pk)
    return render(request, "reunions/reunion_cancel.html", {"reunion": reunion})


@role_required(*WRITERS)
@require_POST
def attendance(request, reunion):
    """One tap per person on the day: present or not."""
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    raw = request.POST.get("invitee", "")
    invitees = Invitee.objects.for_user(request.user).filter(reunion=reunion)
    invitee = invitees.filter(pk=raw).first() if raw.isdigit() else None
    if invitee is None:
        messages.error(request, "Cette personne n'est pas sur la liste de la réunion.")
    else:
        services.attendance_set(invitee=invitee, attended=request.POST.get("attended") == "1")
    return redirect(reverse("reunions:reunion_detail", args=[reunion.pk]) + "#presences")


@role_required(*WRITERS)
def attendance_sheet(request, reunion):
    """The printable feuille d'émargement: the invitees and a signature column,
    with blank lines for those who come without an invitation."""
    reunion = Reunion.objects.get_for_user(request.user, reunion)
    pdf = services.attendance_sheet_pdf(reunion=reunion, user=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="emargement-{reunion.starts_at:%Y-%m-%d}.pdf"'
    return response


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
    context["when"] = services.when_text(invitee.reunion)
    return render(request, "reunions/rsvp.html", context)
