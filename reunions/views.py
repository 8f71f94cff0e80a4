import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import exports
from core.access import ADMINS, READERS, RELAIS_ONLY, WRITERS, access_for, compute_access, role_required
from core.forms import is_id
from core.views import form_page, paginate
from relais.models import Relais
from reunions import pdf, selectors, services
from reunions.exports import REUNIONS
from reunions.forms import (
    ActionForm,
    InviteForm,
    MinutesForm,
    NextReunionForm,
    ParticipantForm,
    ReminderDaysForm,
    ReunionForm,
    WhenForm,
)
from reunions.ics import feed_ics
from reunions.models import ActionItem, Invitee, Reunion
from reunions.wording import when_text


@role_required(*WRITERS)
def reunion_list(request):
    now = timezone.now()
    if fmt := exports.wanted(request):
        rows = selectors.meetings_export(request.user).iterator(chunk_size=2000)
        return exports.export_response(request, name="reunions", model="reunion", columns=REUNIONS, rows=rows, fmt=fmt)
    upcoming = selectors.upcoming_meetings(request.user, now=now)[:50]
    past = paginate(request, selectors.past_meetings(request.user, now=now))
    return render(request, "reunions/reunion_list.html", {"upcoming": upcoming, "past": past})


def _plan(request, form, previous: Reunion | None = None) -> Reunion | None:
    """Plan what a valid ReunionForm describes: one meeting or a series."""
    data = form.cleaned_data
    place = {k: data[k] for k in ("residence", "address", "online_url")}
    common = {"organisation": access_for(request.user).organisation, "by": request.user, "kind": data["kind"]}
    try:
        if data["repeat"] > 1:
            step = datetime.timedelta(weeks=data["every_weeks"])
            series = services.series_plan(
                title=data["title"],
                occurrences=[(data["starts_at"] + n * step, data["ends_at"] + n * step) for n in range(data["repeat"])],
                themes=data["themes"],
                **common,
                **place,
            )
            messages.success(request, f"{data['repeat']} réunions sont planifiées.")
            return series.reunions.order_by("starts_at").first()
        reunion = services.reunion_plan(
            title=data["title"],
            themes=data["themes"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            previous=previous,
            **common,
            **place,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    if reunion.is_over():
        messages.success(request, "La réunion passée est enregistrée : notez qui est venu.")
    else:
        messages.success(request, "La réunion est planifiée : invitez maintenant les participants.")
    return reunion


@role_required(*WRITERS)
def reunion_create(request):
    form = ReunionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and (first := _plan(request, form)):
        return redirect("reunions:reunion_detail", reunion=first.pk)
    return form_page(request, form, title="Planifier une réunion", back=reverse("reunions:reunion_list"))


@role_required(*WRITERS)
def presences(request, reunion):
    """The answers and attendance, refreshed in place on the meeting page (staff
    see the answers come in live)."""
    reunion = Reunion.objects.get_for_user(request.user, reunion)
    return render(request, "reunions/_presences.html", selectors.presences(request.user, reunion))


@role_required(*WRITERS)
def reunion_detail(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion)
    return render(
        request,
        "reunions/reunion_detail.html",
        {
            **selectors.presences(request.user, reunion),
            "can_change": reunion.status == Reunion.Status.PREVUE,
            **selectors.sending(request.user, reunion),
            "participant_form": ParticipantForm(user=request.user),
        },
    )


@role_required(*WRITERS)
@require_POST
def participant_add(request, reunion):
    """Someone who came without an invitation, added on the spot as present."""
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    form = ParticipantForm(request.POST, user=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        kind = "relais" if isinstance(person, Relais) else "user"
        try:
            services.participant_add(reunion=reunion, **{kind: person})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{person} est ajouté·e aux présents.")
    else:
        messages.error(request, "Choisissez la personne à ajouter dans la liste.")
    return redirect(reverse("reunions:reunion_detail", args=[reunion.pk]) + "#presences")


@role_required(*WRITERS)
def reunion_invite(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    form = InviteForm(request.POST or None, user=request.user)
    context = {"reunion": reunion, "form": form}
    if request.method == "POST" and form.is_valid():
        relais, users = selectors.invitation_candidates(user=request.user, **form.cleaned_data)
        channels = selectors.invitation_channels(reunion, relais=relais, users=users)
        if "confirm" in request.POST:
            try:
                services.invitations_send(reunion=reunion, by=request.user, relais=relais, users=users)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, channels.text(sent=True))
                return redirect("reunions:reunion_detail", reunion=reunion.pk)
        else:
            context.update(preview=True, channels=channels)
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
    return form_page(
        request, form, title=f"Déplacer « {reunion} »", back=reverse("reunions:reunion_detail", args=[reunion.pk])
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
    invitee = invitees.filter(pk=raw).first() if is_id(raw) else None
    if invitee is None:
        messages.error(request, "Cette personne n'est pas sur la liste de la réunion.")
    else:
        try:
            services.attendance_set(invitee=invitee, attended=request.POST.get("attended") == "1")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect(reverse("reunions:reunion_detail", args=[reunion.pk]) + "#presences")


@role_required(*WRITERS)
def paper_invitations(request, reunion):
    """The invitations no message carries (paper, or no consent), to print and hand over."""
    reunion = Reunion.objects.get_for_user(request.user, reunion)
    letters = selectors.paper_invitees(request.user, reunion)
    context = {"reunion": reunion, "invitees": letters, "when": when_text(reunion)}
    return render(request, "reunions/paper_invitations.html", context)


@role_required(*WRITERS)
def attendance_sheet(request, reunion):
    """The printable feuille d'émargement: the invitees and a signature column,
    with blank lines for those who come without an invitation."""
    reunion = Reunion.objects.get_for_user(request.user, reunion)
    sheet = pdf.attendance_sheet_pdf(reunion=reunion, user=request.user)
    response = HttpResponse(sheet, content_type="application/pdf")
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
    context["when"] = when_text(invitee.reunion)
    return render(request, "reunions/rsvp.html", context)


def rsvp_short(request, rsvp_code: str):
    """The short link of an SMS: on to the answer page of the long link."""
    token = services.rsvp_token_from_short(rsvp_code)
    if token is None:
        raise Http404("Ce lien n'est pas valide : il a peut-être été mal copié.")
    return redirect("reunions:rsvp", token=token)


# During and after the meeting


@role_required(*WRITERS)
def minutes(request, reunion):
    """The meeting's working page: agenda, minutes, decisions and actions."""
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=request.method == "POST")
    context = selectors.minutes_context(reunion)
    initial = {
        "agenda": "\n".join(item.title for item in context["agenda"] if item.action_id is None),
        "minutes": reunion.minutes,
        "decisions": "\n".join(d.text for d in context["decisions"]),
    }
    form = MinutesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(reunion=reunion, by=request.user, sensitive=form.sensitive_found, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le compte-rendu est enregistré.")
            return redirect("reunions:minutes", reunion=reunion.pk)
    context.update(
        form=form,
        action_form=ActionForm(user=request.user, reunion=reunion),
        statuses=ActionItem.Status.choices,
        editable=reunion.status != Reunion.Status.ANNULEE,
        # Published once the meeting has begun (the service refuses it before).
        publishable=reunion.status != Reunion.Status.ANNULEE and reunion.has_started(),
    )
    return render(request, "reunions/minutes.html", context)


@role_required(*WRITERS)
def action_add(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    form = ActionForm(request.POST or None, user=request.user, reunion=reunion)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_add(reunion=reunion, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "L'action est ajoutée ; son responsable recevra un rappel avant l'échéance.")
            return redirect(reverse("reunions:minutes", args=[reunion.pk]) + "#actions")
    return form_page(
        request, form, title=f"Nouvelle action — {reunion}", back=reverse("reunions:minutes", args=[reunion.pk])
    )


@role_required(*WRITERS)
@require_POST
def action_status(request, action):
    action = ActionItem.objects.get_for_user(request.user, action, write=True)
    try:
        services.action_set_status(action=action, status=request.POST.get("status", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"« {action} » : {action.get_status_display().lower()}.")
    back = request.POST.get("next", "")
    if is_id(back) and Reunion.objects.for_user(request.user).filter(pk=back).exists():
        return redirect(reverse("reunions:minutes", args=[back]) + "#actions")
    return redirect(reverse("reunions:minutes", args=[action.reunion_id]) + "#actions")


@role_required(*WRITERS)
def minutes_publish(request, reunion):
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    if request.method == "POST":
        try:
            count = services.minutes_publish(reunion=reunion, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Le compte-rendu est publié ; {count} participant·es reçoivent le lien.")
        return redirect("reunions:minutes", reunion=reunion.pk)
    return render(request, "reunions/minutes_publish.html", {"reunion": reunion})


@role_required(*WRITERS)
def reunion_next(request, reunion):
    """Plan the next meeting from the minutes: the open actions follow."""
    previous = Reunion.objects.get_for_user(request.user, reunion, write=True)
    start = timezone.localtime(previous.starts_at)
    initial = {
        "kind": previous.kind,
        "title": previous.title,
        "themes": previous.themes,
        "residence": previous.residence_id,
        "address": previous.address,
        "online_url": previous.online_url,
        "date": max(start.date(), timezone.localdate()) + datetime.timedelta(weeks=13),
        "start": start.time(),
        "end": timezone.localtime(previous.ends_at).time(),
    }
    form = NextReunionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and (reunion := _plan(request, form, previous=previous)):
        return redirect("reunions:reunion_detail", reunion=reunion.pk)
    return form_page(
        request,
        form,
        title=f"Planifier la suite de « {previous} »",
        intro=f"Les {selectors.open_actions_of(previous).count()} action(s) encore ouvertes seront inscrites "
        "à l'ordre du jour de la nouvelle réunion.",
        back=reverse("reunions:minutes", args=[previous.pk]),
    )


@require_http_methods(["GET", "HEAD"])
def minutes_public(request, minutes_token: str):
    """The published compte-rendu, from the link sent to the participants."""
    try:
        invitee = services.invitee_from_minutes_token(minutes_token)
    except ValidationError as error:
        return render(request, "reunions/rsvp.html", {"error": " ".join(error.messages)}, status=400)
    return render(request, "reunions/minutes_public.html", selectors.minutes_context(invitee.reunion, reader=invitee))


@role_required(*ADMINS)
def reminder_settings(request):
    organisation = access_for(request.user).organisation
    days = selectors.reminder_days_of(request.user, organisation.pk)
    form = ReminderDaysForm(
        request.POST or None, initial={"days": ", ".join(str(d) for d in sorted(days, reverse=True))}
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_days_set(organisation=organisation, days=form.cleaned_data["days"])
        messages.success(request, "Les rappels sont réglés ; les réunions à venir suivent ce réglage.")
        return redirect("reunions:reunion_list")
    return form_page(request, form, title="Rappels avant les réunions", back=reverse("reunions:reunion_list"))


# The relais' own meetings, and calendars


@role_required(*RELAIS_ONLY)
def my_reunions(request):
    """A relais' invitations to come, each answered with one tap."""
    if request.method == "POST":
        raw = request.POST.get("invitee", "")
        invitations = selectors.open_invitations(request.user).select_related("reunion")
        invitee = invitations.filter(pk=raw).first() if is_id(raw) else None
        try:
            if invitee is None:
                raise ValidationError("Cette invitation n'existe pas ou n'est plus ouverte.")
            services.answer_set(invitee=invitee, answer=request.POST.get("answer", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Votre réponse est enregistrée : {invitee.get_answer_display().lower()}.")
        # Answered from the home page: back there.
        return redirect("espace:home" if request.POST.get("next") == "espace" else "reunions:my_reunions")
    return render(
        request,
        "reunions/my_reunions.html",
        {
            "rows": selectors.my_reunions(request.user),
            "past": selectors.my_past_reunions(request.user, now=timezone.now()),
            "answers": Invitee.Answer.choices[1:],
        },
    )


@role_required(*RELAIS_ONLY)
def my_reunion(request, reunion):
    """A meeting the relais was invited to, and once published its compte-rendu:
    the decisions and the actions, as everyone on the list received them."""
    reunion = Reunion.objects.select_related("organisation").get_for_user(request.user, reunion)
    if reunion.minutes_published_at:
        # Read as the invitee they are: names follow the consents, as on the link.
        context = selectors.minutes_context(reunion, reader=selectors.invitee_of(request.user, reunion))
    else:
        context = {"reunion": reunion}
    context["when"] = when_text(reunion)
    return render(request, "reunions/my_reunion.html", context)


@role_required(*WRITERS, *RELAIS_ONLY)
def minutes_pdf(request, reunion):
    """The compte-rendu as a PDF. Relais get it once it is published; staff may
    print the draft too."""
    reunion = Reunion.objects.select_related("organisation").get_for_user(request.user, reunion)
    staff = access_for(request.user).can_write
    if reunion.minutes_published_at is None and not staff:
        raise Http404("Ce compte-rendu n'est pas encore publié.")
    reader = None if staff else selectors.invitee_of(request.user, reunion)
    response = HttpResponse(pdf.minutes_pdf(reunion=reunion, reader=reader), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="compte-rendu-{reunion.starts_at:%Y-%m-%d}.pdf"'
    return response


@role_required(*READERS, *RELAIS_ONLY)
def calendar(request):
    """The personal subscription address: shown, created, or replaced (which
    revokes the old one)."""
    organisation = access_for(request.user).organisation
    if request.method == "POST":
        if request.POST.get("renew") == "1":
            services.calendar_feed_renew(user=request.user, organisation=organisation)
            messages.success(request, "Votre adresse d'agenda est prête ; toute adresse précédente ne fonctionne plus.")
        return redirect("reunions:calendar")
    feed = selectors.calendar_feed_of(request.user)
    url = request.build_absolute_uri(reverse("reunions:calendar_feed", args=[feed.token])) if feed else ""
    return render(request, "reunions/calendar.html", {"url": url})


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request, feed_token: str):
    """The subscription feed itself: the secret address is the door; what it
    lists is what its owner may see, through the same scoping as the pages."""
    feed = selectors.calendar_feed_by_token(feed_token)
    gone = "Cette adresse d'agenda n'existe pas ou a été remplacée."
    if feed is None or not feed.user.is_active:
        return HttpResponse(gone, status=404, content_type="text/plain; charset=utf-8")
    user = feed.user
    user._access_cache = compute_access(user, feed.organisation_id)
    if user._access_cache.organisation_id != feed.organisation_id:
        # No longer a member of that organisation: the address is dead.
        return HttpResponse(gone, status=404, content_type="text/plain; charset=utf-8")
    since = timezone.now() - datetime.timedelta(days=90)
    body = feed_ics(selectors.feed_reunions(user, since=since), name=f"Réunions — {feed.organisation.name}")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
