"""The network's pages: parse, check, call, render. Every read goes through
reseau/selectors.py (the one scoping mechanism); every write through services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import ADMIN, COORDINATOR, READERS, RELAIS_ONLY, STAFF, WRITERS, access_for, role_required
from espace.models import Announcement
from reseau import selectors, services
from reseau.forms import (
    ApplicationForm,
    CallForm,
    DecisionForm,
    DocumentForm,
    FundForm,
    GuestsForm,
    ProjectForm,
    ScoreForm,
    SharingForm,
    VersionForm,
    YearForm,
    default_year,
)
from reseau.models import Application, Document, Project
from reunions.models import Reunion

NETWORK_PEOPLE = (ADMIN, STAFF, COORDINATOR)
# Projects and calls are run by the network's coordination; the members' staff
# read their own projects and apply to the calls.
COORDINATION = (COORDINATOR,)
MEMBER_STAFF = (ADMIN, STAFF)
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
    context = {
        "network": network,
        "reunions": reunions,
        "runs": _runs(request, network),
        "is_coordinator": access_for(request.user).role in COORDINATION,
    }
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


# Projects followed on the ground


def _coordinates(request) -> bool:
    """Whether the request comes from a network's coordination (who runs projects and calls)."""
    access = access_for(request.user)
    return access.organisation is not None and access.organisation.is_network and access.role in COORDINATION


def _network_run(request):
    """The network the request's organisation coordinates (403 otherwise)."""
    if not _coordinates(request):
        raise PermissionDenied("Seule la coordination du réseau suit les projets et lance les appels.")
    return access_for(request.user).organisation


@role_required(*NETWORK_PEOPLE)
def projects(request):
    stage, member = request.GET.get("etape", ""), request.GET.get("membre", "")
    context = selectors.projects(request.user, stage=stage, member=member, page=request.GET.get("page"))
    context.update(
        stages=Project.Stage.choices,
        members=selectors.project_members(request.user),
        stage=stage,
        member=member,
        runs=_coordinates(request),
    )
    return render(request, "reseau/projects.html", context)


def _project_form(request, network, project=None):
    members = selectors.project_members(request.user)
    people = selectors.accompagnateurs(request.user, network, [project.member] if project else members)
    initial = {}
    if project is not None:
        initial = {
            "title": project.title,
            "site": project.site,
            "stage": project.stage,
            "next_step": project.next_step,
            "blockers": project.blockers,
            "accompagnateur": project.accompagnateur_id,
        }
    return ProjectForm(
        request.POST or None,
        initial=initial,
        members=members,
        people=people,
        fixed_member=project.member if project else None,
    )


@role_required(*COORDINATION)
def project_add(request):
    network = _network_run(request)
    form = _project_form(request, network)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                network=network,
                member=data["member"],
                by=request.user,
                title=data["title"],
                site=data["site"],
                stage=data["stage"],
                next_step=data["next_step"],
                blockers=data["blockers"],
                accompagnateur=data["accompagnateur"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Le projet « {project.title} » est suivi.")
            return redirect("reseau:project", project=project.pk)
    return render(request, "reseau/project_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(*NETWORK_PEOPLE)
def project_detail(request, project):
    project = selectors.project_for(request.user, project)
    runs = _coordinates(request)  # the door above let the coordination in only to its own network's
    context = {"project": project, "runs": runs, "fund_form": FundForm() if runs else None}
    context.update(selectors.project_history(project))
    return render(request, "reseau/project.html", context)


@role_required(*COORDINATION)
def project_edit(request, project):
    project = selectors.project_for(request.user, project, write=True)
    form = _project_form(request, project.organisation, project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            events = services.project_update(
                project=project,
                by=request.user,
                title=data["title"],
                site=data["site"],
                stage=data["stage"],
                next_step=data["next_step"],
                blockers=data["blockers"],
                accompagnateur=data["accompagnateur"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if events:
                messages.success(request, "Le projet est à jour ; son historique le dit.")
            else:
                messages.info(request, "Rien de suivi n'a changé.")
            return redirect("reseau:project", project=project.pk)
    context = {"form": form, "project": project}
    return render(request, "reseau/project_form.html", context, status=400 if form.errors else 200)


@role_required(*COORDINATION)
@require_POST
def fund_add(request, project):
    project = selectors.project_for(request.user, project, write=True)
    form = FundForm(request.POST)
    if form.is_valid():
        try:
            fund = services.fund_grant(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Fonds « {fund.get_kind_display()} » ajouté au projet.")
            return redirect("reseau:project", project=project.pk)
    context = {"project": project, "runs": True, "fund_form": form}
    context.update(selectors.project_history(project))
    return render(request, "reseau/project.html", context, status=400)


@role_required(*COORDINATION)
@require_POST
def committee_agenda(request, reunion):
    """Generate the « point des accompagnateurs » of a network committee's agenda."""
    reunion = Reunion.objects.select_related("organisation").get_for_user(request.user, reunion, write=True)
    try:
        listed = services.committee_agenda_generate(reunion=reunion, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = len(listed)
        messages.success(
            request,
            f"Ordre du jour : {count} projet{'s' if count > 1 else ''} au point des accompagnateurs."
            if count
            else "Aucun projet n'a changé depuis le dernier comité : l'ordre du jour le dit.",
        )
    return redirect("reunions:reunion_detail", reunion=reunion.pk)


# Calls for projects


@role_required(*NETWORK_PEOPLE)
def calls(request):
    runs = _coordinates(request)
    context = {"calls": selectors.calls(request.user), "runs": runs, "now": timezone.now()}
    return render(request, "reseau/calls.html", context)


@role_required(*COORDINATION)
def call_add(request):
    network = _network_run(request)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deadline = timezone.make_aware(datetime.datetime.combine(data["deadline"], datetime.time(23, 59, 59)))
        try:
            call = services.call_create(
                network=network,
                by=request.user,
                title=data["title"],
                description=data["description"],
                envelope=data["envelope"],
                deadline=deadline,
                criteria=data["criteria"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"L'appel à projets « {call.title} » est ouvert aux membres.")
            return redirect("reseau:call", call=call.pk)
    return render(request, "reseau/call_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(*NETWORK_PEOPLE)
def call_detail(request, call):
    call = selectors.call_for(request.user, call)
    context = selectors.call_page(request.user, call)
    context["open"] = timezone.now() <= call.deadline
    context["can_apply"] = context["open"] and access_for(request.user).role in MEMBER_STAFF
    return render(request, "reseau/call.html", context)


@role_required(*MEMBER_STAFF)
def apply(request, call):
    call = selectors.call_for(request.user, call)
    access = access_for(request.user)
    form = ApplicationForm(request.POST or None)
    closed = timezone.now() > call.deadline
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_submit(
                call=call, applicant=access.organisation, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Votre candidature « {application.title} » est déposée.")
            return redirect("reseau:application", application=application.pk)
    context = {"call": call, "form": form, "closed": closed}
    return render(request, "reseau/apply.html", context, status=400 if form.errors else 200)


def _application_page(request, application, committee, score_form=None, decision_form=None, status=200):
    context = {"application": application, "call": application.call, "committee": committee}
    if committee:
        scoring = selectors.scoring(request.user, application)
        context.update(scoring)
        undecided = application.status == Application.Status.DEPOSEE and _coordinates(request)
        initial = {f"c{pk}": value for pk, value in scoring["mine"].items()}
        context["score_form"] = score_form or (
            ScoreForm(initial=initial, criteria=scoring["criteria"]) if undecided else None
        )
        context["decision_form"] = decision_form or (DecisionForm() if undecided else None)
        context.update(
            {
                k: v
                for k, v in selectors.call_page(request.user, application.call).items()
                if k in ("granted", "remaining")
            }
        )
    return render(request, "reseau/application.html", context, status=status)


@role_required(*NETWORK_PEOPLE)
def application_detail(request, application):
    application, committee = selectors.application_for(request.user, application)
    return _application_page(request, application, committee)


@role_required(*COORDINATION)
@require_POST
def application_score(request, application):
    application = Application.objects.select_related("call", "applicant").get_for_user(
        request.user, application, write=True
    )
    form = ScoreForm(request.POST, criteria=list(application.call.criteria.order_by("position", "pk")))
    if form.is_valid():
        try:
            services.scores_set(application=application, scorer=request.user, values=form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Vos notes sont enregistrées ; vous pouvez les changer jusqu'à la décision.")
            return redirect("reseau:application", application=application.pk)
    return _application_page(request, application, True, score_form=form, status=400)


@role_required(*COORDINATION)
@require_POST
def application_decision(request, application):
    application = Application.objects.select_related("call", "applicant").get_for_user(
        request.user, application, write=True
    )
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.application_decide(
                application=application,
                by=request.user,
                granted=data["decision"] == Application.Status.ACCORDEE,
                amount=data["amount"],
                conditions=data["conditions"],
                refusal_reason=data["refusal_reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "La décision est enregistrée et annoncée à l'équipe du membre.")
            return redirect("reseau:application", application=application.pk)
    application.refresh_from_db()
    return _application_page(request, application, True, decision_form=form, status=400)
