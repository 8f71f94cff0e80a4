from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from core import formats
from core.access import READERS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.views import paginate
from engagement import pdf, selectors, services
from engagement.forms import IssueForm, RunForm, SettingsForm, YearForm, minutes_form
from engagement.models import Attestation, AttestationRun, EngagementSettings
from initiatives.models import Initiative, Organiser
from initiatives.services import organiser_minutes_set
from relais.models import Relais
from reunions.models import Invitee, Reunion
from reunions.services import attendance_minutes_set


def _year(request) -> int:
    form = YearForm(request.GET)
    if form.is_valid() and form.cleaned_data["annee"]:
        return form.cleaned_data["annee"]
    return timezone.localdate().year


@role_required(*READERS)
def dashboard(request):
    """The staff's dashboard: coverage, and the relais drifting away (staff only)."""
    board = selectors.dashboard(request.user) if access_for(request.user).can_write else None
    coverage = board.coverage if board else selectors.relais_dashboard(request.user)
    return render(request, "engagement/dashboard.html", {"d": coverage, "board": board})


# Relais at risk


@role_required(*WRITERS)
def at_risk(request):
    reason = request.GET.get("motif", "")
    if reason not in selectors.REASONS:
        reason = ""
    today = timezone.localdate()
    page = paginate(request, selectors.at_risk(request.user, today=today, reason=reason))
    context = {
        "page": page,
        "rows": selectors.at_risk_rows(page.object_list, today),
        "reasons": selectors.REASONS,
        "reason": reason,
        "days": {
            "activity": selectors.ACTIVITY_DAYS,
            "visit": selectors.VISIT_DAYS,
            "candidate": selectors.CANDIDATE_DAYS,
        },
    }
    return render(request, "engagement/at_risk.html", context)


@role_required(*WRITERS)
@require_POST
def call_planned(request, relais):
    relais = Relais.objects.get_for_user(request.user, relais, write=True)
    row = selectors.at_risk(request.user).filter(pk=relais.pk).first()
    reasons = [r.code for r in selectors.reasons_of(row)] if row is not None else []
    services.call_planned(relais=relais, by=request.user, reasons=reasons)
    messages.success(request, f"Appel prévu avec {relais} : l'échange est noté dans sa fiche.")
    return redirect(reverse("engagement:at_risk") + f"#relais-{relais.pk}")


# Hours


@role_required(*WRITERS)
def hours(request):
    year = _year(request)
    context = selectors.hours_page(request.user, year)
    context["years"] = YearForm(initial={"annee": year})
    return render(request, "engagement/hours.html", context)


@role_required(*WRITERS)
def settings_edit(request):
    organisation = access_for(request.user).organisation
    current = EngagementSettings.objects.for_user(request.user).first() or EngagementSettings(organisation=organisation)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_save(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Les réglages de l'engagement sont enregistrés.")
            return redirect("engagement:settings")
    return render(request, "engagement/settings.html", {"form": form}, status=400 if form.errors else 200)


def _minutes_page(request, *, title, intro, back, people, save):
    form = minutes_form(people, label_default=intro, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        changed = save({int(name[1:]): value for name, value in form.cleaned_data.items()})
        messages.success(request, f"Temps donné enregistré ({changed} modification{'s' if changed > 1 else ''}).")
        return redirect(back)
    return render(
        request,
        "engagement/minutes.html",
        {"form": form, "title": title, "intro": intro, "back": back},
        status=400 if form.errors else 200,
    )


@role_required(*WRITERS)
def reunion_minutes(request, reunion):
    """The time each relais present gave to a meeting: its duration unless written otherwise."""
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=True)
    present = (
        Invitee.objects.for_user(request.user)
        .filter(reunion=reunion, relais__isnull=False, attended=True)
        .select_related("relais")
        .order_by("relais__last_name", "relais__first_name", "pk")
    )
    people = [(i.pk, str(i.relais), i.minutes) for i in present]
    duration = selectors._minutes_between(reunion.starts_at, reunion.ends_at)
    return _minutes_page(
        request,
        title=f"Temps donné — {reunion.title}",
        intro=f"Laisser vide : la durée de la réunion ({formats.duration(duration)}).",
        back=reverse("reunions:reunion_detail", args=[reunion.pk]),
        people=people,
        save=lambda values: attendance_minutes_set(reunion=reunion, minutes=values),
    )


@role_required(*WRITERS)
def initiative_minutes(request, initiative):
    """The time each organiser gave to an initiative."""
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    rows = Organiser.objects.filter(initiative=initiative).select_related("relais").order_by("relais__last_name", "pk")
    people = [(o.relais_id, str(o.relais), o.minutes) for o in rows]
    return _minutes_page(
        request,
        title=f"Temps donné — {initiative.title}",
        intro="Le temps de chaque organisateur·rice : préparation, jour J et rangement.",
        back=reverse("initiatives:detail", args=[initiative.pk]),
        people=people,
        save=lambda values: organiser_minutes_set(
            initiative=initiative, minutes={k: v for k, v in values.items() if v is not None}
        ),
    )


# Attestations (staff)


@role_required(*WRITERS)
def attestations(request):
    year = _year(request)
    organisation = access_for(request.user).organisation
    chosen = EngagementSettings.objects.for_user(request.user).first()
    initial = {"year": year}
    if chosen:
        initial.update(signatory_name=chosen.signatory_name, signatory_role=chosen.signatory_role)
    form = RunForm(request.POST or None, initial=initial)
    # Staff limited to some quartiers issue one relais' at a time, not the whole organisation's.
    can_run = AttestationRun.objects.writable_by(request.user)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied("Les attestations de toute l'organisation ne sont pas accessibles à votre accès.")
        if form.is_valid():
            try:
                services.attestation_run_request(organisation=organisation, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "La génération des attestations est lancée ; cette page suit son avancement.")
                return redirect(reverse("engagement:attestations") + f"?annee={form.cleaned_data['year']}")
    page = paginate(request, selectors.attestation_list(request.user, year))
    context = {
        "form": form,
        "page": page,
        "year": year,
        "years": YearForm(initial={"annee": year}),
        "run": selectors.last_run(request.user),
        "can_run": can_run,
    }
    return render(request, "engagement/attestations.html", context, status=400 if form.errors else 200)


@role_required(*WRITERS)
def run_state(request):
    """The batch's progress, polled by the page while it runs."""
    return render(request, "engagement/_run.html", {"run": selectors.last_run(request.user)})


@role_required(*WRITERS)
@require_POST
def attestation_issue(request, relais):
    """Issue one relais' attestation again (or for the first time), in the request."""
    relais = Relais.objects.select_related("organisation").get_for_user(request.user, relais, write=True)
    form = IssueForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("relais:relais_detail", relais=relais.pk)
    try:
        attestation = services.attestation_issue(relais=relais, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("relais:relais_detail", relais=relais.pk)
    messages.success(request, f"Attestation {attestation.year} de {relais} émise ({attestation.reference}).")
    return redirect(reverse("engagement:attestations") + f"?annee={attestation.year}")


@role_required(*WRITERS, *RELAIS_ONLY)
@require_safe
def attestation_file(request, attestation):
    attestation = Attestation.objects.select_related("relais").get_for_user(request.user, attestation)
    if not attestation.file:
        raise Http404("Cette attestation n'a pas de fichier.")
    try:
        handle = attestation.file.open("rb")
    except OSError:
        raise Http404("Le fichier est introuvable ; l'équipe peut l'émettre à nouveau.") from None
    return FileResponse(handle, as_attachment=True, filename=attestation.filename, content_type="application/pdf")


# The relais' own page, on the phone


@role_required(*RELAIS_ONLY)
@require_safe
def mine(request):
    context = selectors.my_attestations(request.user)
    # The organisation's signatory, read for the relais already read through its door.
    chosen = selectors.settings_of(context["relais"].organisation_id) if context["relais"] else None
    context["can_sign"] = bool(chosen and chosen.signatory_name and chosen.signatory_role)
    if context["relais"] is not None:
        this_year = context["this_year"]
        first, last = selectors.year_bounds(this_year)
        hours = selectors.hours_by_relais(context["relais"].organisation_id, first, last, [context["relais"].pk]).get(
            context["relais"].pk, selectors.Hours()
        )
        context["hours"] = hours
        context["parts"] = [
            f"{formats.duration(minutes)} {where}"
            for minutes, where in (
                (hours.meetings, "en réunions"),
                (hours.initiatives, "pour des initiatives"),
                (hours.activity, "en actions de proximité"),
            )
            if minutes
        ]
    return render(request, "engagement/mine.html", context)


@role_required(*RELAIS_ONLY)
@require_safe
def my_attestation(request, annee):
    """A relais' attestation of a year: the one issued by staff, or made now,
    signed by the organisation's usual signatory (one small document: in the request)."""
    relais = Relais.objects.select_related("organisation").for_user(request.user).filter(anonymised_at=None).first()
    if relais is None:
        raise Http404("Votre fiche de relais n'est pas encore créée.")
    if not services.FIRST_YEAR <= annee <= timezone.localdate().year:
        raise Http404("Pas d'attestation pour cette année.")
    issued = Attestation.objects.for_user(request.user).filter(relais=relais, year=annee).first()
    if issued is not None and issued.file:
        return attestation_file(request, issued.pk)
    chosen = selectors.settings_of(relais.organisation_id)
    if not (chosen and chosen.signatory_name and chosen.signatory_role):
        messages.error(
            request, "L'équipe n'a pas encore choisi qui signe les attestations : demandez-la à l'équipe de médiation."
        )
        return redirect("engagement:mine")
    data = selectors.attestation_data(relais.organisation, annee, [relais.pk])[relais.pk]
    draft = Attestation(
        organisation=relais.organisation,
        relais=relais,
        year=annee,
        signatory_name=chosen.signatory_name,
        signatory_role=chosen.signatory_role,
        signed_on=timezone.localdate(),
    )
    content = pdf.attestation_pdf(draft, data, relais.organisation)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{draft.filename}"'
    return response
