from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import exports
from core.access import ADMINS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.forms import is_id
from core.views import form_page, labels_page, paginate
from relais.models import Relais, Residence
from remontees import selectors, services
from remontees.exports import REMONTEES
from remontees.forms import (
    AssignForm,
    HandOffForm,
    RelaisRemonteeForm,
    RemonteeFilter,
    RemonteeForm,
    ReopenForm,
    RoundTableForm,
    ServiceAnswerForm,
    ServiceForm,
    StatusForm,
)
from remontees.models import HandOff, Remontee, Service, Theme
from remontees.pdf import residence_poster_pdf
from reunions.models import Reunion


def _organisation(request):
    return access_for(request.user).organisation


@role_required(*WRITERS)
def round_table(request, reunion):
    """During the meeting: each relais' difficulties and proposals, captured
    quickly, each tied to a residence and a theme: they become remontées."""
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=request.method == "POST")
    organisation = _organisation(request)
    form = RoundTableForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.remontee_create(
                organisation=organisation,
                by=request.user,
                source=Remontee.Source.REUNION,
                reunion=reunion,
                sensitive=form.sensitive_found,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "C'est noté. La remontée suivante :")
            return redirect("remontees:round_table", reunion=reunion.pk)
    raised = selectors.raised_at(request.user, reunion)
    return render(request, "remontees/round_table.html", {"reunion": reunion, "form": form, "raised": raised})


@role_required(*WRITERS)
def board(request):
    """The staff board: every remontée with its status, theme, residence and age."""
    _organisation(request)
    filters = RemonteeFilter(request.GET or None, queryset=selectors.board(request.user), request=request)
    if fmt := exports.wanted(request):
        rows = filters.qs.iterator(chunk_size=2000)
        return exports.export_response(
            request, name="remontees", model="remontee", columns=REMONTEES, rows=rows, fmt=fmt
        )
    counts = selectors.status_counts(request.user)
    # Unfiltered, the rows are those counted by status just above.
    unfiltered = not filters.is_bound or (filters.form.is_valid() and not any(filters.form.cleaned_data.values()))
    page = paginate(request, filters.qs, count=sum(counts.values()) if unfiltered else None)
    now = timezone.now()
    return render(
        request,
        "remontees/board.html",
        {
            "filter": filters,
            "page": page,
            "rows": [(r, (now - r.created_at).days) for r in page],
            "counts": [(value, label, counts.get(value, 0)) for value, label in Remontee.Status.choices],
            "delays": selectors.service_delays(request.user),
        },
    )


@role_required(*WRITERS)
def create(request):
    organisation = _organisation(request)
    form = RemonteeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            remontee = services.remontee_create(
                organisation=organisation, by=request.user, sensitive=form.sensitive_found, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La remontée est enregistrée.")
            return redirect("remontees:detail", remontee=remontee.pk)
    return render(
        request,
        "remontees/form.html",
        {"form": form, "title": "Nouvelle remontée", "back": reverse("remontees:board")},
    )


@role_required(*WRITERS, *RELAIS_ONLY)
def detail(request, remontee):
    remontee = Remontee.objects.get_for_user(request.user, remontee)
    return _detail_page(request, remontee)


def _detail_page(request, remontee: Remontee, *, status_form: StatusForm | None = None, status: int = 200):
    """The remontée's page; `status_form`: the answer just refused, shown again
    with its errors at their fields and the status chosen kept."""
    context = {
        "remontee": remontee,
        "events": selectors.events(request.user, remontee),
        "is_staff": access_for(request.user).is_staff,
    }
    if context["is_staff"]:
        allowed = services.TRANSITIONS.get(remontee.status, set())
        context["status_form"] = status_form or StatusForm(
            choices=[c for c in Remontee.Status.choices if c[0] in allowed]
        )
        context["assign_form"] = AssignForm(user=request.user, initial={"assignee": remontee.assignee_id})
        context["handoffs"] = selectors.handoffs_of(request.user, remontee)
        if not remontee.is_closed and not any(h.outcome == HandOff.Outcome.EN_ATTENTE for h in context["handoffs"]):
            context["handoff_form"] = HandOffForm(user=request.user)
    elif remontee.is_closed:
        context["reopen_form"] = ReopenForm()
    return render(request, "remontees/detail.html", context, status=status)


@role_required(*WRITERS)
@require_POST
def set_status(request, remontee):
    remontee = Remontee.objects.get_for_user(request.user, remontee, write=True)
    allowed = services.TRANSITIONS.get(remontee.status, set())
    form = StatusForm(request.POST, choices=[c for c in Remontee.Status.choices if c[0] in allowed])
    if not form.is_valid():
        if form.sensitive_found:  # ask for the second click on a page of its own
            back = reverse("remontees:detail", args=[remontee.pk])
            return form_page(request, form, title="Changer le statut de la remontée", back=back)
        return _detail_page(request, remontee, status_form=form, status=400)
    else:
        try:
            services.remontee_set_status(
                remontee=remontee, by=request.user, sensitive=form.sensitive_found, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
            return _detail_page(request, remontee, status_form=form, status=400)
        else:
            messages.success(request, "Le statut est changé ; le relais est prévenu.")
    return redirect("remontees:detail", remontee=remontee.pk)


@role_required(*WRITERS)
@require_POST
def assign(request, remontee):
    remontee = Remontee.objects.get_for_user(request.user, remontee, write=True)
    form = AssignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.remontee_assign(remontee=remontee, assignee=form.cleaned_data["assignee"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "La remontée est attribuée.")
    else:
        messages.error(request, "Choisissez une personne de l'équipe.")
    return redirect("remontees:detail", remontee=remontee.pk)


@role_required(*RELAIS_ONLY)
@require_POST
def reopen(request, remontee):
    remontee = Remontee.objects.get_for_user(request.user, remontee)
    form = ReopenForm(request.POST)
    if not form.is_valid() and form.sensitive_found:
        back = reverse("remontees:detail", args=[remontee.pk])
        return form_page(request, form, title="Ce n'est pas résolu", back=back)
    if form.is_valid():
        try:
            services.remontee_reopen(
                remontee=remontee,
                by=request.user,
                comment=form.cleaned_data["comment"],
                sensitive=form.sensitive_found,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "C'est noté : la remontée est rouverte et l'équipe est prévenue.")
    else:
        messages.error(request, "Dites en quelques mots ce qui n'est pas résolu.")
    return redirect("remontees:detail", remontee=remontee.pk)


@role_required(*WRITERS, *RELAIS_ONLY)
def photo(request, remontee):
    """The photo, served through the same door as the remontée (never a public URL)."""
    remontee = Remontee.objects.get_for_user(request.user, remontee)
    if not remontee.photo:
        raise Http404("Pas de photo pour cette remontée.")
    return FileResponse(remontee.photo.open("rb"), content_type="image/jpeg")


@role_required(*RELAIS_ONLY)
def mine(request):
    return render(request, "remontees/mine.html", {"rows": selectors.relais_remontees(request.user)})


@role_required(*RELAIS_ONLY)
def report(request):
    """A relais raises a remontée from the phone."""
    organisation = _organisation(request)
    relais = Relais.objects.for_user(request.user).filter(organisation=organisation).first()
    data = request.POST or None
    if data is not None and request.headers.get("X-Outbox-Queued") == "1":
        # Typed offline and sent later by the phone, with nobody to answer the
        # warning: saved, and flagged for the team's review like a confirmed text.
        data = data.copy()
        data["confirm_sensitive"] = "on"
    form = RelaisRemonteeForm(data, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            remontee = services.remontee_create(
                organisation=organisation,
                by=request.user,
                relais=relais,
                source=Remontee.Source.ESPACE,
                sensitive=form.sensitive_found,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Merci : votre remontée est envoyée à l'équipe, qui vous répondra ici.")
            return redirect("remontees:detail", remontee=remontee.pk)
    return render(
        request,
        "remontees/form.html",
        {
            "form": form,
            "title": "Signaler un problème ou proposer une idée",
            "back": reverse("remontees:mine"),
            "offline": True,  # typed in a stairwell: kept on the phone until the network is back
        },
    )


@role_required(*WRITERS, *RELAIS_ONLY)
def residence_page(request, residence):
    """« Vous avez dit, nous avons fait » : what was raised for a residence and
    what became of it, to show the tenants; read by its relais too."""
    residence = Residence.objects.get_for_user(request.user, residence)
    context = {"residence": residence, **selectors.residence_page(request.user, residence)}
    return render(request, "remontees/residence.html", context)


@role_required(*WRITERS, *RELAIS_ONLY)
def residence_poster(request, residence):
    """The same as an A4 poster for the hall (one small PDF: made in the request)."""
    residence = Residence.objects.get_for_user(request.user, residence)
    pdf = residence_poster_pdf(
        residence=residence,
        organisation=_organisation(request),
        **selectors.residence_page(request.user, residence),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="affiche-{residence.pk}.pdf"'
    return response


@role_required(*ADMINS)
def themes(request):
    return labels_page(
        request,
        model=Theme,
        used_by="remontees",
        title="Thèmes des remontées",
        intro="Les thèmes proposés aux relais et à l'équipe. Un thème retiré reste sur les remontées qui l'utilisent.",
        count_label="Remontées",
    )


# Services and hand-offs


@role_required(*WRITERS)
def services_directory(request):
    """The organisation's services: internal ones and contractors, each with its e-mail."""
    organisation = _organisation(request)
    form = ServiceForm(request.POST or None)
    if request.method == "POST":
        toggle = request.POST.get("toggle", "")
        if is_id(toggle):
            service = Service.objects.for_user(request.user, write=True).filter(pk=toggle).first()
            if service is not None:
                service = services.service_toggle(service=service)
                messages.success(
                    request, f"« {service} » est {'proposé' if service.is_active else 'retiré de la liste'}."
                )
            return redirect("remontees:services")
        if form.is_valid():
            try:
                service = services.service_save(organisation=organisation, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"« {service} » est ajouté à l'annuaire.")
                return redirect("remontees:services")
    return render(
        request, "remontees/services.html", {"form": form, "rows": selectors.services_directory(request.user)}
    )


@role_required(*WRITERS)
@require_POST
def hand_off(request, remontee):
    remontee = Remontee.objects.get_for_user(request.user, remontee, write=True)
    form = HandOffForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.handoff_create(remontee=remontee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "La remontée est transmise ; le service reçoit son lien par e-mail.")
    else:
        messages.error(request, "Choisissez un service et une date à venir.")
    return redirect("remontees:detail", remontee=remontee.pk)


@role_required(*WRITERS, *RELAIS_ONLY)
def handoff_photo(request, handoff):
    """The photo a service sent with « fait », through the remontée's door."""
    handoff = HandOff.objects.get_for_user(request.user, handoff)
    Remontee.objects.get_for_user(request.user, handoff.remontee_id)
    if not handoff.photo:
        raise Http404("Pas de photo pour cette réponse.")
    return FileResponse(handoff.photo.open("rb"), content_type="image/jpeg")


@role_required(*RELAIS_ONLY)
@require_POST
def confirm(request, remontee):
    """« Oui, c'est réglé » : the relais confirms what the service said it did."""
    remontee = Remontee.objects.get_for_user(request.user, remontee)
    try:
        services.remontee_confirm(remontee=remontee, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Merci ! La remontée est close comme résolue.")
    if request.POST.get("next") == "espace":
        return redirect("espace:home")
    return redirect("remontees:detail", remontee=remontee.pk)


def _refused(request, reason: str, status: int = 400):
    return render(request, "remontees/service_refused.html", {"reason": reason}, status=status)


@never_cache
def service_answer(request, service_token):
    """The service's page, opened by its signed link (no login): the remontée's
    text, residence and photo, never the relais' name or contacts; « fait » or
    « pas de notre ressort », once."""
    try:
        handoff = services.handoff_from_token(service_token)
    except services.LinkRefused as refused:
        return _refused(request, str(refused))
    if handoff.outcome != HandOff.Outcome.EN_ATTENTE:
        if "merci" in request.GET and handoff.outcome in (HandOff.Outcome.FAIT, HandOff.Outcome.HORS_RESSORT):
            return render(request, "remontees/service_done.html", {"handoff": handoff})
        return _refused(request, "Ce lien a déjà servi : la réponse est enregistrée. Merci !", status=200)
    form = ServiceAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handoff_answer(handoff=handoff, **form.cleaned_data)
        except services.LinkRefused as refused:
            return _refused(request, str(refused), status=200)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(request.path + "?merci")
    return render(
        request,
        "remontees/service_answer.html",
        {"handoff": handoff, "remontee": handoff.remontee, "form": form, "token": service_token},
    )


@never_cache
def service_photo(request, service_token):
    """The remontée's photo, for the service holding a valid link."""
    try:
        handoff = services.handoff_from_token(service_token)
    except services.LinkRefused:
        raise Http404("Ce lien n'est pas valide.") from None
    if handoff.outcome != HandOff.Outcome.EN_ATTENTE or not handoff.remontee.photo:
        raise Http404("Pas de photo.")
    return FileResponse(handoff.remontee.photo.open("rb"), content_type="image/jpeg")
