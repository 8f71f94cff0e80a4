import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import ADMINS, READERS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.views import form_page, labels_page, paginate
from initiatives import services
from initiatives.forms import (
    DecisionForm,
    EquipmentForm,
    GrantDecisionForm,
    GrantForm,
    InitiativeFilter,
    InitiativeForm,
    LogisticsForm,
    ProposeForm,
    ReportForm,
    RoomForm,
)
from initiatives.models import (
    Equipment,
    GrantRequest,
    Initiative,
    InitiativeKind,
    InitiativePhoto,
    LogisticsLine,
    LogisticsRequest,
    Room,
)
from relais.models import Relais, Residence


def _organisation(request):
    return access_for(request.user).organisation


@role_required(*READERS)
def catalogue(request):
    scoped = Initiative.objects.for_user(request.user)
    filters = InitiativeFilter(request.GET or None, queryset=scoped, request=request)
    rows = (
        filters.qs.select_related("kind", "quartier")
        .prefetch_related(Prefetch("residences", queryset=Residence.objects.only("pk", "name"), to_attr="places"))
        .order_by("-starts_on", "-pk")
    )
    page = paginate(request, rows)
    return render(request, "initiatives/catalogue.html", {"filter": filters, "page": page})


@role_required(*READERS)
def map_page(request):
    return render(request, "initiatives/map.html", {"tiles": settings.MAP_TILES_URL})


@role_required(*READERS)
def map_data(request):
    """The map's markers: residences with coordinates (covered by an active relais
    or not) and the initiatives placed at them. Figures only: no names of people."""
    residences = (
        Residence.objects.for_user(request.user, figures=True)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(
            active_relais=Count(
                "relais_links__relais",
                filter=Q(relais_links__relais__status=Relais.Status.ACTIF),
                distinct=True,
            )
        )
        .order_by("pk")
    )
    year_ago = timezone.localdate() - datetime.timedelta(days=365)
    recent = (
        Initiative.objects.for_user(request.user)
        .filter(starts_on__gte=year_ago)
        .exclude(status=Initiative.Status.ANNULEE)
        .select_related("kind")
        .prefetch_related(Prefetch("residences", queryset=Residence.objects.only("pk")))
        .order_by("-starts_on")
    )
    by_residence: dict[int, list] = {}
    for initiative in recent:
        entry = {
            "id": initiative.pk,
            "title": initiative.title,
            "kind": initiative.kind.name,
            "date": initiative.starts_on.isoformat(),
            "status": initiative.get_status_display(),
            "url": reverse("initiatives:detail", args=[initiative.pk]),
        }
        for residence in initiative.residences.all():
            by_residence.setdefault(residence.pk, []).append(entry)
    markers = [
        {
            "id": r.pk,
            "name": r.name,
            "lat": float(r.latitude),
            "lng": float(r.longitude),
            "dwellings": r.dwellings,
            "active_relais": r.active_relais,
            "initiatives": by_residence.get(r.pk, []),
        }
        for r in residences
    ]
    return JsonResponse({"residences": markers})


@role_required(*WRITERS)
def create(request):
    organisation = _organisation(request)
    form = InitiativeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_save(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "L'initiative est enregistrée.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return form_page(request, form, title="Nouvelle initiative", back=reverse("initiatives:catalogue"))


@role_required(*RELAIS_ONLY)
def propose(request):
    """A relais proposes an initiative from the phone: an idea the team will follow up."""
    organisation = _organisation(request)
    relais = Relais.objects.for_user(request.user).first()
    form = ProposeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            initiative = services.initiative_save(
                organisation=organisation,
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                starts_on=data["starts_on"],
                description=data["description"],
                residences=[data["residence"]],
                organisers=[relais] if relais else [],
                status=Initiative.Status.IDEE,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Votre idée est envoyée à l'équipe. Vous pouvez demander du matériel ici.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return form_page(
        request,
        form,
        title="Proposer une initiative",
        intro="Une fête, un repas, un atelier, une sortie… L'équipe de médiation vous recontacte.",
        back=reverse("initiatives:mine"),
    )


@role_required(*RELAIS_ONLY)
def mine(request):
    rows = list(Initiative.objects.for_user(request.user).select_related("kind").order_by("-starts_on")[:50])
    today = timezone.localdate()
    for row in rows:
        row.reportable = not row.relais_report_refusal(today)
    return render(request, "initiatives/mine.html", {"rows": rows})


@role_required(*WRITERS)
def edit(request, initiative):
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    initial = {
        "kind": initiative.kind_id,
        "title": initiative.title,
        "description": initiative.description,
        "starts_on": initiative.starts_on,
        "ends_on": initiative.ends_on,
        "residences": list(initiative.residences.all()),
        "quartier": initiative.quartier_id,
        "place": initiative.place,
        "organisers": list(initiative.organisers.all()),
        "partners": list(initiative.partners.all()),
        "status": initiative.status,
    }
    form = InitiativeForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_save(
                organisation=_organisation(request), by=request.user, initiative=initiative, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "L'initiative est modifiée.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return form_page(
        request, form, title=f"Modifier « {initiative} »", back=reverse("initiatives:detail", args=[initiative.pk])
    )


@role_required(*READERS, *RELAIS_ONLY)
def detail(request, initiative):
    initiative = Initiative.objects.select_related("kind", "quartier").get_for_user(request.user, initiative)
    access = access_for(request.user)
    logistics = (
        LogisticsRequest.objects.for_user(request.user)
        .filter(initiative=initiative)
        .select_related("room")
        .prefetch_related(Prefetch("lines", queryset=LogisticsLine.objects.select_related("equipment")))
    )
    grants = GrantRequest.objects.for_user(request.user).filter(initiative=initiative).prefetch_related("budget_lines")
    photos = InitiativePhoto.objects.for_user(request.user).filter(initiative=initiative)
    organisers = initiative.organisers.all()
    if access.is_relais:
        # Other relais are named to a relais only if they agreed to be presented to their neighbours.
        listed = Q(consents__scope="annuaire", consents__withdrawn_on=None)
        organisers = organisers.filter(Q(user=request.user) | listed).distinct()
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "residences": initiative.residences.all(),
            "organisers": organisers if not access.is_partner else None,
            "partners": initiative.partners.all(),
            "logistics": logistics,
            "grants": grants,
            "photos": photos,
            "can_write": access.can_write,
            # The organisers (the only relais who see it) report it and ask for logistics and grants.
            "can_organise": access.can_write or access.is_relais,
            "can_report": initiative.status != Initiative.Status.ANNULEE
            if access.can_write
            else access.is_relais and not initiative.relais_report_refusal(timezone.localdate()),
        },
    )


@role_required(*WRITERS, *RELAIS_ONLY)
def report(request, initiative):
    """After the event: participants, what went well or not, a photo."""
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    refusal = access_for(request.user).is_relais and initiative.relais_report_refusal(timezone.localdate())
    if refusal:
        messages.error(request, refusal)
        return redirect("initiatives:detail", initiative=initiative.pk)
    initial = {f: getattr(initiative, f) for f in ("participants", "children", "adults", "seniors", "newcomers")}
    initial.update(went_well=initiative.went_well, went_badly=initiative.went_badly)
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo, caption, consent = data.pop("photo"), data.pop("caption"), data.pop("consent")
        try:
            services.initiative_report(initiative=initiative, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if photo:
                services.photo_add(
                    initiative=initiative, image=photo, by=request.user, caption=caption, consent=consent
                )
            messages.success(request, "Le bilan de l'initiative est enregistré.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return render(
        request,
        "initiatives/form.html",
        {"form": form, "title": f"Après « {initiative} »", "back": reverse("initiatives:detail", args=[initiative.pk])},
    )


@role_required(*READERS, *RELAIS_ONLY)
def photo(request, photo):
    photo = InitiativePhoto.objects.get_for_user(request.user, photo)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


# Logistics


@role_required(*WRITERS, *RELAIS_ONLY)
def logistics_new(request, initiative):
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    form = LogisticsForm(
        request.POST or None,
        user=request.user,
        initial={"starts_on": initiative.starts_on, "ends_on": initiative.ends_on or initiative.starts_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.logistics_request(initiative=initiative, by=request.user, **form.request_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La demande de logistique est enregistrée.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return form_page(
        request,
        form,
        title=f"Logistique pour « {initiative} »",
        intro="Indiquez les quantités voulues (0 si rien) et, si besoin, une salle.",
        back=reverse("initiatives:detail", args=[initiative.pk]),
    )


@role_required(*WRITERS)
def stock(request):
    """The lendable equipment and rooms, and the requests waiting for an answer."""
    organisation = _organisation(request)
    equipment_form = EquipmentForm(request.POST if request.POST.get("add") == "equipment" else None)
    room_form = RoomForm(request.POST if request.POST.get("add") == "room" else None)
    if request.method == "POST":
        if equipment_form.is_bound and equipment_form.is_valid():
            data = equipment_form.cleaned_data
            item = Equipment.objects.for_user(request.user).filter(name__iexact=data["name"]).first()
            if item:
                item.quantity = data["quantity"]
                item.save(update_fields=["quantity"])
            else:
                Equipment.objects.create(organisation=organisation, **data)
            messages.success(request, f"Stock de « {data['name']} » : {data['quantity']}.")
            return redirect("initiatives:stock")
        if room_form.is_bound and room_form.is_valid():
            if not Room.objects.for_user(request.user).filter(name__iexact=room_form.cleaned_data["name"]).exists():
                Room.objects.create(organisation=organisation, name=room_form.cleaned_data["name"])
            messages.success(request, "La salle est ajoutée.")
            return redirect("initiatives:stock")
    pending = (
        LogisticsRequest.objects.for_user(request.user)
        .filter(status=LogisticsRequest.Status.DEMANDEE)
        .select_related("initiative", "room")
        .prefetch_related(Prefetch("lines", queryset=LogisticsLine.objects.select_related("equipment")))
        .order_by("starts_on")
    )
    return render(
        request,
        "initiatives/stock.html",
        {
            "equipment": Equipment.objects.for_user(request.user),
            "rooms": Room.objects.for_user(request.user),
            "pending": pending,
            "equipment_form": equipment_form,
            "room_form": room_form,
        },
    )


@role_required(*WRITERS)
def logistics_decide(request, logistics):
    logistics = LogisticsRequest.objects.select_related("initiative", "room").get_for_user(
        request.user, logistics, write=request.method == "POST"
    )
    lines = list(logistics.lines.select_related("equipment"))
    form = DecisionForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.logistics_decide(
                request=logistics,
                by=request.user,
                approve=data["decision"] == "approve",
                granted={line.equipment_id: data[f"granted_{line.equipment_id}"] for line in lines},
                reason=data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La réponse est enregistrée ; les relais organisateurs sont prévenus.")
            return redirect("initiatives:stock")
    return render(
        request,
        "initiatives/decision.html",
        {"form": form, "logistics": logistics, "lines": lines},
    )


# Small grants


@role_required(*READERS)
def grants(request):
    scoped = GrantRequest.objects.for_user(request.user)
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    rows = scoped.filter(requested_at__year=year).select_related("initiative").order_by("-requested_at")
    return render(
        request,
        "initiatives/grants.html",
        {
            "year": year,
            "rows": rows,
            "totals": services.grant_totals(queryset=scoped, year=year),
            "previous": year - 1,
            "next": year + 1,
        },
    )


@role_required(*WRITERS, *RELAIS_ONLY)
def grant_new(request, initiative):
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_request(
                initiative=initiative,
                by=request.user,
                objectives=data["objectives"],
                expected_participants=data["expected_participants"],
                amount_requested=data["amount_requested"],
                budget=data["budget"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La demande est transmise au comité.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return form_page(
        request,
        form,
        title=f"Demande au fonds de participation — {initiative}",
        back=reverse("initiatives:detail", args=[initiative.pk]),
    )


@role_required(*WRITERS)
def grant_decide(request, grant):
    grant = GrantRequest.objects.select_related("initiative").get_for_user(
        request.user, grant, write=request.method == "POST"
    )
    form = GrantDecisionForm(request.POST or None, initial={"amount_granted": grant.amount_requested})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_decide(
                grant=grant,
                by=request.user,
                granted=data["decision"] == "grant",
                decided_on=data["decided_on"],
                amount_granted=data["amount_granted"],
                conditions=data["conditions"],
                refusal_reason=data["refusal_reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La décision est enregistrée ; les relais organisateurs sont prévenus.")
            return redirect("initiatives:detail", initiative=grant.initiative_id)
    return form_page(
        request,
        form,
        title=f"Décision du comité — {grant.initiative} ({grant.amount_requested} € demandés)",
        intro=grant.objectives,
        back=reverse("initiatives:detail", args=[grant.initiative_id]),
    )


@role_required(*WRITERS)
@require_POST
def set_status(request, initiative):
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    status = request.POST.get("status", "")
    if status not in (Initiative.Status.PREVUE, Initiative.Status.ANNULEE, Initiative.Status.IDEE):
        messages.error(request, "Statut inconnu.")
    else:
        initiative.status = status
        initiative.save(update_fields=["status"])
        messages.success(request, f"L'initiative est {initiative.get_status_display().lower()}.")
    return redirect("initiatives:detail", initiative=initiative.pk)


@role_required(*ADMINS)
def kinds(request):
    return labels_page(
        request,
        model=InitiativeKind,
        used_by="initiatives",
        title="Types d'initiatives",
        intro="Les types proposés quand on crée une initiative. "
        "Un type retiré reste sur les initiatives qui l'utilisent.",
        count_label="Initiatives",
    )
