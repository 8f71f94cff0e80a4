"""The network's pages: parse, check, call, render. Every read goes through
reseau/selectors.py (the one scoping mechanism); every write through services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.access import ADMIN, COORDINATOR, READERS, RELAIS_ONLY, STAFF, WRITERS, access_for, role_required
from espace.models import Announcement
from reseau import selectors, services
from reseau.forms import DocumentForm, GuestsForm, SharingForm, VersionForm, YearForm, default_year
from reseau.models import Document
from reunions.models import Reunion

NETWORK_PEOPLE = (ADMIN, STAFF, COORDINATOR)
LIBRARY_READERS = (*READERS, *RELAIS_ONLY)


def _runs(request, network) -> bool:
    """Whether the request comes from the network's own team (its coordination)."""
    access = access_for(request.user)
    return access.organisation_id == network.pk and access.can_write


@role_required(*NETWORK_PEOPLE)
def home(request):
    networks = selectors.my_networks(request.user)
    rows = []
    for network in networks:
        link = selectors.own_link(request.user, network)
        rows.append({
            "network": network,
            "link": link,
            "members": selectors.members(request.user, network),
            "runs": _runs(request, network),
            "sharing": SharingForm(initial={"shares_figures": link.shares_figures}) if link else None,
        })  # fmt: skip
    return render(request, "reseau/home.html", {"rows": rows, "is_admin": access_for(request.user).is_admin})


@role_required(*NETWORK_PEOPLE)
def dashboard(request, network):
    network = selectors.network_of(request.user, network)
    form = YearForm(request.GET)
    year = (form.cleaned_data.get("annee") if form.is_valid() else None) or default_year()
    context = selectors.dashboard(
        request.user, network, year=year, sort=request.GET.get("tri", ""), page=request.GET.get("page")
    )
    context.update(network=network, runs=_runs(request, network), previous_year=year - 1)
    return render(request, "reseau/dashboard.html", context)


@role_required(*WRITERS)
@require_POST
def refresh(request, network):
    network = selectors.network_of(request.user, network)
    if not _runs(request, network):
        raise PermissionDenied("Seule la coordination du réseau actualise ses chiffres.")
    form = YearForm(request.POST)
    year = (form.cleaned_data.get("annee") if form.is_valid() else None) or default_year()
    services.network_figures_request(network=network, year=year)
    messages.success(request, f"Les chiffres {year} des membres sont en cours de calcul ; ils s'afficheront ici.")
    return redirect(f"{request.path.rsplit('actualiser/', 1)[0]}?annee={year}")


@role_required(ADMIN)
@require_POST
def sharing(request, network):
    network = selectors.network_of(request.user, network)
    link = selectors.own_link(request.user, network)
    if link is None:
        raise PermissionDenied("Votre organisation n'est pas membre de ce réseau.")
    form = SharingForm(request.POST)
    form.is_valid()
    shares = bool(form.cleaned_data.get("shares_figures"))
    services.sharing_set(link=link, shares_figures=shares)
    if shares:
        messages.success(request, f"Vos chiffres clés sont partagés avec « {network} ».")
    else:
        messages.success(request, f"Vos chiffres clés ne sont plus montrés à « {network} ».")
    return redirect("reseau:home")


@role_required(*NETWORK_PEOPLE)
def meetings(request, network):
    network = selectors.network_of(request.user, network)
    reunions = selectors.network_meetings(request.user, network)[:50]
    context = {"network": network, "reunions": reunions, "runs": _runs(request, network)}
    return render(request, "reseau/meetings.html", context)


@role_required(*WRITERS)
def guests(request, reunion):
    """Invite people of the members to one of the network's meetings."""
    reunion = Reunion.objects.select_related("organisation").get_for_user(request.user, reunion, write=True)
    network = reunion.organisation
    if not network.is_network:
        messages.info(request, "Cette réunion est celle de votre organisation : invitez depuis sa page.")
        return redirect("reunions:reunion_detail", reunion=reunion.pk)
    choices = selectors.guest_choices(request.user, network, reunion)
    form = GuestsForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        staff_ids = [int(pk) for pk in form.cleaned_data["staff"]]
        relais_ids = {int(pk) for pk in form.cleaned_data["relais"]}
        people = [r for r in choices["relais"] if r.pk in relais_ids]
        users = [m.user for m in choices["staff"] if m.pk in staff_ids]
        try:
            count = services.guests_invite(reunion=reunion, by=request.user, relais=people, users=users)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{count} invitation{'s' if count > 1 else ''} envoyée{'s' if count > 1 else ''}."
            )
            return redirect("reunions:reunion_detail", reunion=reunion.pk)
    context = {"reunion": reunion, "form": form, "network": network, "already": choices["already"]}
    return render(request, "reseau/guests.html", context, status=400 if form.errors else 200)


# The library


@role_required(*LIBRARY_READERS)
def library(request):
    context = selectors.library(request.user, search=request.GET.get("q", "").strip()[:100])
    context["can_add"] = access_for(request.user).can_write and not access_for(request.user).quartier_ids
    context["q"] = request.GET.get("q", "")
    return render(request, "reseau/library.html", context)


def _own_meetings(user):
    return list(Reunion.objects.for_user(user, write=True).order_by("-starts_at")[:30])


def _own_announcements(user):
    return list(Announcement.objects.for_user(user, write=True).order_by("-created_at")[:30])


@role_required(*WRITERS)
def document_add(request):
    if not Document.objects.writable_by(request.user):
        raise PermissionDenied("Votre rôle ne permet pas d'ajouter un document.")
    meetings_ = _own_meetings(request.user)
    announcements = _own_announcements(request.user)
    form = DocumentForm(request.POST or None, request.FILES or None, reunions=meetings_, annonces=announcements)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data.get("reunions", [])}
        chosen_announcements = {int(pk) for pk in data.get("annonces", [])}
        try:
            document = services.document_create(
                organisation=access_for(request.user).organisation,
                by=request.user,
                title=data["title"],
                kind=data["kind"],
                audience=data["audience"],
                description=data["description"],
                file=data["file"] or None,
                link=data["link"],
                reunions=[r for r in meetings_ if r.pk in chosen],
                annonces=[a for a in announcements if a.pk in chosen_announcements],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"« {document.title} » est dans la bibliothèque.")
            return redirect("reseau:document", document=document.pk)
    status = 400 if form.errors else 200
    return render(request, "reseau/document_form.html", {"form": form}, status=status)


@role_required(*LIBRARY_READERS)
def document_detail(request, document):
    document, own = selectors.document_for(request.user, document)
    can_change = own and access_for(request.user).can_write
    form = VersionForm() if can_change else None
    context = {
        "document": document,
        "versions": selectors.versions_of(document),
        "can_change": can_change,
        "form": form,
        "meetings": list(document.reunions.order_by("-starts_at")) if can_change else [],
    }
    return render(request, "reseau/document.html", context)


@role_required(*WRITERS)
@require_POST
def version_add(request, document):
    document = Document.objects.get_for_user(request.user, document, write=True)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = services.version_add(
                document=document, by=request.user, file=data["file"] or None, link=data["link"], note=data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"La version {version.number} est désormais la version en cours.")
            return redirect("reseau:document", document=document.pk)
    context = {
        "document": document,
        "versions": selectors.versions_of(document),
        "can_change": True,
        "form": form,
        "meetings": list(document.reunions.order_by("-starts_at")),
    }
    return render(request, "reseau/document.html", context, status=400)


@role_required(*LIBRARY_READERS)
def version_file(request, version):
    version = selectors.version_for(request.user, version)
    if version.link:
        return HttpResponseRedirect(version.link)
    return FileResponse(
        version.file.open("rb"), as_attachment=False, filename=version.filename, content_type=version.content_type
    )
