import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from core import audit, consents, exports
from core.access import ADMINS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.models import AuditEvent, Organisation, SensitiveFlag
from core.views import form_page, paginate
from privacy import selectors, services
from privacy.exports import JOURNAL
from privacy.forms import ConsentsForm, EraseForm, FlagReviewForm, MyConsentsForm, RetentionForm, RightsRequestForm
from relais.models import Relais


@role_required(*WRITERS)
def overview(request):
    access = access_for(request.user)
    organisation = Organisation.objects.for_user(request.user).get(pk=access.organisation_id)
    form = RetentionForm(request.POST or None, instance=organisation)
    if request.method == "POST":
        if not access.is_admin:
            messages.error(request, "Seul·e un·e administrateur·rice peut changer la durée de conservation.")
            return redirect("privacy:overview")
        if form.is_valid():
            try:
                services.retention_set(organisation=organisation, months=form.cleaned_data["retention_months"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "La durée de conservation est enregistrée.")
                return redirect("privacy:overview")
    context = {
        "form": form,
        "organisation": organisation,
        **selectors.overview(request.user, organisation, today=timezone.localdate()),
    }
    return render(request, "privacy/overview.html", context)


def _readable(value):
    """Dates of the export as a person reads them: « 12 mars 2026 »."""
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            if len(value) == 10:
                return date_format(datetime.date.fromisoformat(value), "j F Y")
            moment = timezone.localtime(datetime.datetime.fromisoformat(value))
            return date_format(moment, "j F Y à H:i")
        except ValueError:
            return value
    return value


def _sections(data: dict) -> list[dict]:
    """The export, laid out for reading: facts as a list, rows as tables."""
    sections = []
    for title, value in data.items():
        if title == "export":
            continue
        if isinstance(value, dict) or value is None:
            sections.append({"title": title, "facts": [(k, _readable(v)) for k, v in (value or {}).items()]})
        else:
            columns = list(value[0].keys()) if value else []
            # Each cell with its column's name: a phone shows it above the value.
            rows = [[(c, _readable(row.get(c))) for c in columns] for row in value]
            sections.append({"title": title, "columns": columns, "rows": rows})
    return sections


def _export_response(request, relais: Relais, fmt: str):
    data = selectors.person_data(relais)
    audit.record(AuditEvent.Action.EXPORT, relais, user=request.user)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="donnees-relais-{relais.pk}.json"'
        return response
    return render(request, "privacy/export.html", {"relais": relais, "data": data, "sections": _sections(data)})


@role_required(*WRITERS)
def person(request, relais):
    relais = Relais.objects.get_for_user(request.user, relais)
    audit.record(AuditEvent.Action.CONSULTATION, relais, user=request.user)
    form = ConsentsForm(initial={"consents": sorted(consents.active_scopes(relais))})
    context = {
        "relais": relais,
        "consent_form": form,
        "history": selectors.consent_history(relais),
        "requests": selectors.rights_requests(request.user, relais),
    }
    return render(request, "privacy/person.html", context)


@role_required(*WRITERS)
@require_POST
def person_consents(request, relais):
    relais = Relais.objects.get_for_user(request.user, relais, write=True)
    if relais.anonymised_at:
        raise Http404("Cette personne a été anonymisée.")
    form = ConsentsForm(request.POST)
    if form.is_valid():
        consents.consent_set(relais, form.cleaned_data["consents"], on=form.cleaned_data["on"], by=request.user)
        messages.success(request, "Les consentements sont enregistrés.")
        return redirect("privacy:person", relais=relais.pk)
    return form_page(
        request, form, title=f"Consentements de {relais}", back=reverse("privacy:person", args=[relais.pk])
    )


@role_required(*WRITERS)
def person_export(request, relais, fmt="html"):
    relais = Relais.objects.get_for_user(request.user, relais)
    return _export_response(request, relais, fmt)


@role_required(*WRITERS)
def person_request(request, relais):
    relais = Relais.objects.get_for_user(request.user, relais, write=True)
    if relais.anonymised_at:
        messages.info(request, "Les données de cette personne sont effacées ; le registre garde déjà sa demande.")
        return redirect("privacy:person", relais=relais.pk)
    form = RightsRequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.rights_request_record(relais=relais, by=request.user, **form.cleaned_data)
        messages.success(request, "La demande est enregistrée dans le registre.")
        return redirect("privacy:person", relais=relais.pk)
    return form_page(
        request,
        form,
        title=f"Enregistrer une demande de {relais}",
        back=reverse("privacy:person", args=[relais.pk]),
        intro="Le registre garde la trace des demandes d'accès et de rectification, et de leur suite. "
        "Pour une rectification, modifiez la fiche puis enregistrez la demande ici. "
        "Une demande d'effacement se traite depuis « Effacer ses données… », qui la note d'elle-même.",
    )


@role_required(*WRITERS)
def person_erase(request, relais):
    relais = Relais.objects.get_for_user(request.user, relais, write=True)
    if relais.anonymised_at:
        messages.info(request, "Les données de cette personne sont déjà effacées.")
        return redirect("privacy:person", relais=relais.pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.erase(relais, by=request.user, received_on=form.cleaned_data["received_on"]) is None:
            messages.info(request, "Les données de cette personne étaient déjà effacées.")
            return redirect("privacy:person", relais=relais.pk)
        messages.success(request, "Les données de la personne sont effacées ; la demande est notée comme traitée.")
        return redirect("privacy:overview")
    return render(request, "privacy/erase.html", {"relais": relais, "form": form})


@role_required(*WRITERS)
def flags(request):
    page = paginate(request, selectors.unreviewed_flags(request.user))
    return render(request, "privacy/flags.html", {"page": page, "items": selectors.flagged_texts(page)})


@role_required(*WRITERS)
@require_POST
def flag_review(request, flag):
    flag = SensitiveFlag.objects.get_for_user(request.user, flag, write=True)
    form = FlagReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez de conserver ou de retirer le texte.")
        return redirect("privacy:flags")
    services.flag_review(flag=flag, outcome=form.cleaned_data["outcome"], by=request.user)
    messages.success(request, "Le texte est revu.")
    return redirect("privacy:flags")


@role_required(*ADMINS)
def journal(request):
    action = request.GET.get("action", "")
    if fmt := exports.wanted(request):
        rows = selectors.journal(request.user, action=action).iterator(chunk_size=2000)
        return exports.export_response(request, name="journal", model="auditevent", columns=JOURNAL, rows=rows, fmt=fmt)
    context = {
        "page": paginate(request, selectors.journal(request.user, action=action)),
        "actions": AuditEvent.Action.choices,
        "action": action,
        "retention_days": settings.AUDIT_RETENTION_DAYS,
    }
    return render(request, "privacy/journal.html", context)


# The relais' own page.


def _me(request) -> Relais:
    relais = Relais.objects.for_user(request.user).first()  # a relais reads only their own, in this organisation
    if relais is None:
        raise Http404("Aucune fiche de relais n'est liée à votre compte.")
    return relais


@role_required(*RELAIS_ONLY)
def mine(request):
    relais = _me(request)
    form = MyConsentsForm(request.POST or None, initial={"consents": sorted(consents.active_scopes(relais))})
    if request.method == "POST":
        if "erase" in request.POST:
            services.erasure_ask(relais=relais)
            messages.success(request, "Votre demande d'effacement est transmise à l'équipe, qui vous répondra.")
            return redirect("privacy:mine")
        if form.is_valid():
            consents.consent_set(relais, form.cleaned_data["consents"], on=timezone.localdate(), by=request.user)
            messages.success(request, "Vos choix sont enregistrés.")
            return redirect("privacy:mine")
    data = selectors.person_data(relais)
    context = {
        "relais": relais,
        "form": form,
        "sections": _sections(data),
        "erase_pending": selectors.erasure_pending(relais),
    }
    return render(request, "privacy/mine.html", context)


@role_required(*RELAIS_ONLY)
def mine_export(request):
    return _export_response(request, _me(request), "json")
