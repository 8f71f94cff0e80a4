import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import exports
from core.access import ADMINS, READERS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.views import form_page, labels_page, paginate
from initiatives import selectors, services
from initiatives.exports import GRANTS, INITIATIVES, LOGISTICS
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
    TellForm,
)
from initiatives.models import (
    GrantRequest,
    Initiative,
    InitiativeKind,
    InitiativePhoto,
    LogisticsRequest,
    SharedInitiative,
    SharedPhoto,
)
from relais.models import Relais


def _organisation(request):
    return access_for(request.user).organisation


@role_required(*READERS)
def catalogue(request):
    filters = InitiativeFilter(request.GET or None, queryset=selectors.catalogue(request.user), request=request)
    if fmt := exports.wanted(request):
        rows = filters.qs.iterator(chunk_size=2000)
        return exports.export_response(
            request, name="initiatives", model="initiative", columns=INITIATIVES, rows=rows, fmt=fmt
        )
    page = paginate(request, filters.qs)
    return render(request, "initiatives/catalogue.html", {"filter": filters, "page": page})


@role_required(*READERS)
def map_page(request):
    return render(request, "initiatives/map.html", {"tiles": settings.MAP_TILES_URL})


@role_required(*READERS)
def map_data(request):
    """The map's markers (figures only: no names of people)."""
    return JsonResponse({"residences": selectors.map_markers(request.user)})


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
    # « Refaire cette initiative chez moi »: the form starts from another relais' event.
    model = selectors.shared_model(request.user, request.GET.get("depuis", ""))
    initial = {"kind": model.kind_id, "title": model.title, "description": model.description} if model else {}
    form = ProposeForm(request.POST or None, user=request.user, initial=initial)
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
def tell(request):
    """A relais tells about an event that already took place, without staff
    having created it first."""
    form = TellForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_tell(
                organisation=_organisation(request),
                by=request.user,
                relais=Relais.objects.for_user(request.user).first(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Merci ! Votre initiative est racontée ; l'équipe de médiation la voit.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return render(
        request,
        "initiatives/form.html",
        {
            "form": form,
            "title": "Raconter une initiative passée",
            "intro": "Une fête, un repas, un atelier a déjà eu lieu ? "
            "Racontez-le : les autres relais s'en inspireront.",
            "back": reverse("initiatives:mine"),
        },
    )


@role_required(*RELAIS_ONLY)
def shared(request):
    """The relais' catalogue: what others did, what went well and what did not."""
    page = paginate(request, selectors.shared_catalogue(request.user))
    return render(request, "initiatives/shared.html", {"page": page})


@role_required(*RELAIS_ONLY)
def shared_detail(request, initiative):
    initiative = SharedInitiative.objects.select_related("kind", "quartier").get_for_user(request.user, initiative)
    return render(request, "initiatives/shared_detail.html", selectors.shared_page(request.user, initiative))


@role_required(*RELAIS_ONLY)
def shared_photo(request, photo):
    photo = SharedPhoto.objects.get_for_user(request.user, photo)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@role_required(*RELAIS_ONLY)
def mine(request):
    rows = selectors.relais_initiatives(request.user, today=timezone.localdate())
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
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            **selectors.initiative_page(request.user, initiative),
            "can_write": access.can_write,
            # The organisers (the only relais who see it) report it and ask for logistics and grants.
            "can_organise": access.can_write or access.is_relais,
            # One request at a time: none while one waits or after one was granted.
            "can_ask_grant": not initiative.grants.exclude(status=GrantRequest.Status.REFUSEE).exists(),
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
    # The neighbours who said on the public page they would come: a first figure
    # for who came, until the organisers count.
    announced = selectors.announced(request.user, initiative, names=False)
    if initial["participants"] is None and announced:
        initial["participants"] = announced.people
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_report(initiative=initiative, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le bilan de l'initiative est enregistré.")
            return redirect("initiatives:detail", initiative=initiative.pk)
    return render(
        request,
        "initiatives/form.html",
        {
            "form": form,
            "title": f"Après « {initiative} »",
            "intro": announced.report_hint,
            "back": reverse("initiatives:detail", args=[initiative.pk]),
        },
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


def _calendar_start(request) -> datetime.date:
    """The lending calendar's first day: ?du=YYYY-MM-DD, or the Monday of this week."""
    today = timezone.localdate()
    try:
        chosen = datetime.date.fromisoformat(request.GET.get("du", ""))
    except ValueError:
        chosen = None
    if chosen is None or abs(chosen.year - today.year) > 50:
        return today - datetime.timedelta(days=today.weekday())
    return chosen


@role_required(*WRITERS)
def stock(request):
    """The lendable equipment and rooms, and the requests waiting for an answer."""
    organisation = _organisation(request)
    if request.method == "GET" and (fmt := exports.wanted(request)):
        rows = selectors.logistics_export(request.user).iterator(chunk_size=2000)
        return exports.export_response(
            request, name="logistique", model="logisticsrequest", columns=LOGISTICS, rows=rows, fmt=fmt
        )
    equipment_form = EquipmentForm(request.POST if request.POST.get("add") == "equipment" else None)
    room_form = RoomForm(request.POST if request.POST.get("add") == "room" else None)
    if request.method == "POST":
        if equipment_form.is_bound and equipment_form.is_valid():
            data = equipment_form.cleaned_data
            try:
                services.equipment_stock_set(organisation=organisation, name=data["name"], quantity=data["quantity"])
            except ValidationError as error:
                equipment_form.add_error(None, error)
            else:
                messages.success(request, f"Stock de « {data['name']} » : {data['quantity']}.")
                return redirect("initiatives:stock")
        if room_form.is_bound and room_form.is_valid():
            services.room_add(organisation=organisation, name=room_form.cleaned_data["name"])
            messages.success(request, "La salle est ajoutée.")
            return redirect("initiatives:stock")
    return render(
        request,
        "initiatives/stock.html",
        {
            "equipment": selectors.equipment(request.user),
            "rooms": selectors.rooms(request.user),
            "pending": selectors.pending_logistics(request.user),
            "lending": selectors.lending_calendar(request.user, start=_calendar_start(request)),
            "equipment_form": equipment_form,
            "room_form": room_form,
        },
    )


@role_required(*WRITERS)
def logistics_decide(request, logistics):
    logistics = LogisticsRequest.objects.select_related("initiative", "room").get_for_user(
        request.user, logistics, write=request.method == "POST"
    )
    lines = selectors.logistics_lines(logistics)
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
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    if fmt := exports.wanted(request):
        rows = selectors.grants_of_year(request.user, year).iterator(chunk_size=2000)
        name = f"subventions-{year}"
        return exports.export_response(request, name=name, model="grantrequest", columns=GRANTS, rows=rows, fmt=fmt)
    return render(
        request,
        "initiatives/grants.html",
        {
            "year": year,
            "rows": selectors.grants_of_year(request.user, year),
            "totals": selectors.grant_totals(request.user, year),
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
    context = {"form": form, "grant": grant, "budget": selectors.grant_budget(grant)}
    return render(request, "initiatives/grant_decision.html", context)


@role_required(*WRITERS)
@require_POST
def set_status(request, initiative):
    initiative = Initiative.objects.get_for_user(request.user, initiative, write=True)
    try:
        services.initiative_set_status(initiative=initiative, status=request.POST.get("status", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
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
