import base64
import secrets

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from core import audit, exports
from core.access import ADMINS, READERS, WRITERS, access_for, role_required
from core.french import elide, plural
from core.models import Membership
from core.views import form_page, paginate
from relais import csv_import, selectors, services
from relais.exports import RELAIS, RESIDENCES
from relais.filters import RelaisFilter, ResidenceFilter
from relais.forms import (
    ContactLogForm,
    InviteColleagueForm,
    QuartierForm,
    RelaisCreateForm,
    RelaisForm,
    ResidenceForm,
    StatusChangeForm,
    formset_links,
    formset_ok,
    residence_formset,
)
from relais.models import ImportJob, Quartier, Relais, Residence

# Quartiers


@role_required(*READERS)
def quartier_list(request):
    quartiers = selectors.quartier_list(request.user)
    return render(request, "relais/quartier_list.html", {"page": paginate(request, quartiers)})


@role_required(*WRITERS)
def quartier_edit(request, quartier=None):
    organisation = access_for(request.user).organisation
    instance = Quartier.objects.get_for_user(request.user, quartier, write=True) if quartier else None
    form = QuartierForm(
        request.POST or None, instance=instance or Quartier(organisation=organisation), organisation=organisation
    )
    if request.method == "POST" and form.is_valid():
        saved = services.quartier_save(organisation=organisation, quartier=instance, **form.cleaned_data)
        messages.success(request, f"Le quartier « {saved.name} » est enregistré.")
        return redirect("relais:quartier_list")
    return form_page(request, form, title="Quartier", back=reverse("relais:quartier_list"))


# Résidences


@role_required(*READERS)
def residence_list(request):
    filterset = ResidenceFilter(request.GET or None, queryset=selectors.residence_list(request.user), request=request)
    if fmt := exports.wanted(request):
        rows = filterset.qs.iterator(chunk_size=2000)
        return exports.export_response(
            request, name="residences", model="residence", columns=RESIDENCES, rows=rows, fmt=fmt
        )
    return render(
        request,
        "relais/residence_list.html",
        {"filter": filterset, "page": paginate(request, filterset.qs)},
    )


@role_required(*READERS)
def residence_detail(request, residence):
    residence = Residence.objects.get_for_user(request.user, residence)
    links = selectors.residence_relais(request.user, residence)
    history = selectors.residence_history(request.user, residence)[:50]
    return render(
        request,
        "relais/residence_detail.html",
        {"residence": residence, "links": links, "history": history},
    )


@role_required(*WRITERS)
def residence_edit(request, residence=None):
    organisation = access_for(request.user).organisation
    instance = Residence.objects.get_for_user(request.user, residence, write=True) if residence else None
    form = ResidenceForm(
        request.POST or None,
        instance=instance or Residence(organisation=organisation),
        user=request.user,
        organisation=organisation,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.residence_save(organisation=organisation, residence=instance, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"La résidence « {saved.name} » est enregistrée.")
            return redirect("relais:residence_detail", residence=saved.pk)
    back = reverse("relais:residence_detail", args=[instance.pk]) if instance else reverse("relais:residence_list")
    return form_page(request, form, title="Résidence", back=back)


# Relais


@role_required(*WRITERS)
def relais_list(request):
    filterset = RelaisFilter(request.GET or None, queryset=selectors.relais_list(request.user), request=request)
    if fmt := exports.wanted(request):
        rows = filterset.qs.iterator(chunk_size=2000)
        return exports.export_response(request, name="relais", model="relais", columns=RELAIS, rows=rows, fmt=fmt)
    return render(request, "relais/relais_list.html", {"filter": filterset, "page": paginate(request, filterset.qs)})


@role_required(*WRITERS)
def relais_detail(request, relais):
    relais = Relais.objects.get_for_user(request.user, relais)
    audit.record(audit.AuditEvent.Action.CONSULTATION, relais, user=request.user)
    return render(
        request,
        "relais/relais_detail.html",
        {
            "relais": relais,
            "links": selectors.relais_residences(relais),
            "timeline": selectors.relais_timeline(request.user, relais),
            "status_form": StatusChangeForm(relais=relais),
            "contact_form": ContactLogForm(),
            "has_access": relais.user_id is not None,
            "consents": selectors.relais_consents(relais),
        },
    )


def _changeable(request, pk) -> Relais:
    """A relais staff may change: in their scope, and not erased (an anonymous
    row stays for the figures; giving it a name or a number back would undo it)."""
    relais = Relais.objects.get_for_user(request.user, pk, write=True)
    if relais.anonymised_at is not None:
        raise PermissionDenied("Les données de cette personne ont été effacées : sa fiche ne se modifie plus.")
    return relais


@role_required(*WRITERS)
def relais_create(request):
    access = access_for(request.user)
    form = RelaisCreateForm(request.POST or None)
    # « Recruter un relais ici », from a residence's page: that residence comes first.
    chosen = request.GET.get("residence", "")
    chosen = Residence.objects.for_user(request.user).filter(pk=chosen).first() if chosen.isdigit() else None
    formset = residence_formset(user=request.user, data=request.POST or None, residence=chosen)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        links = formset_links(formset, user=request.user)
        if formset_ok(formset):
            relais = services.relais_create(
                organisation=access.organisation, by=request.user, residences=links, **form.cleaned_data
            )
            messages.success(request, f"{relais} est enregistré·e.")
            return redirect("relais:relais_detail", relais=relais.pk)
    return render(
        request,
        "relais/relais_form.html",
        {"form": form, "formset": formset, "title": "Nouveau relais", "back": reverse("relais:relais_list")},
    )


@role_required(*WRITERS)
def relais_edit(request, relais):
    relais = _changeable(request, relais)
    form = RelaisForm(request.POST or None, instance=relais)
    formset = residence_formset(user=request.user, data=request.POST or None, instance=relais)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        links = formset_links(formset, user=request.user)
        if formset_ok(formset):
            services.relais_update(relais=relais, by=request.user, residences=links, **form.cleaned_data)
            messages.success(request, f"La fiche {elide('de', relais)} est enregistrée.")
            return redirect("relais:relais_detail", relais=relais.pk)
    return render(
        request,
        "relais/relais_form.html",
        {
            "form": form,
            "formset": formset,
            "title": f"Modifier {relais}",
            "back": reverse("relais:relais_detail", args=[relais.pk]),
        },
    )


@role_required(*WRITERS)
def relais_status(request, relais):
    relais = _changeable(request, relais)
    form = StatusChangeForm(request.POST or None, relais=relais)
    if request.method == "POST" and form.is_valid():
        try:
            services.relais_change_status(
                relais=relais,
                to_status=form.cleaned_data["to_status"],
                date=form.cleaned_data["date"],
                exit_reason=form.cleaned_data["exit_reason"],
                note=form.cleaned_data["note"],
                by=request.user,
                sensitive=form.sensitive_found,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le statut est mis à jour.")
            return redirect("relais:relais_detail", relais=relais.pk)
    return form_page(
        request,
        form,
        title=f"Changer le statut {elide('de', relais)}",
        back=reverse("relais:relais_detail", args=[relais.pk]),
    )


@role_required(*WRITERS)
def contact_add(request, relais):
    relais = _changeable(request, relais)
    form = ContactLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_log_add(relais=relais, by=request.user, sensitive=form.sensitive_found, **form.cleaned_data)
        messages.success(request, "L'échange est noté.")
        return redirect("relais:relais_detail", relais=relais.pk)
    return form_page(
        request, form, title=f"Noter un échange avec {relais}", back=reverse("relais:relais_detail", args=[relais.pk])
    )


@role_required(*WRITERS)
def relais_invite(request, relais):
    relais = _changeable(request, relais)
    if request.method == "GET":
        return render(request, "relais/relais_invite.html", {"relais": relais})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not relais.email:
        messages.error(request, "Ajoutez d'abord une adresse e-mail à la fiche pour inviter ce relais.")
    else:
        try:
            services.invitation_create(
                organisation=access_for(request.user).organisation,
                email=relais.email,
                role=Membership.Role.RELAIS,
                relais=relais,
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Une invitation est envoyée à {relais.email}.")
    return redirect("relais:relais_detail", relais=relais.pk)


# Équipe


@role_required(*ADMINS)
def team(request):
    memberships = selectors.team(request.user)
    form = InviteColleagueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organisation=access_for(request.user).organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                quartiers=form.cleaned_data["quartiers"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Une invitation est envoyée à {form.cleaned_data['email']}.")
            return redirect("relais:team")
    return render(request, "relais/team.html", {"page": paginate(request, memberships), "form": form})


# Espace relais


# Imports (CSV)

IMPORTS = {
    "residences": (csv_import.parse_residences, "relais:residence_list", "résidences"),
    "relais": (csv_import.parse_relais, "relais:relais_list", "relais"),
}
# How an import speaks of its rows, agreed with their number (core/french.py).
IMPORT_WORDS = {
    "residences": {
        "created": ("résidence créée", "résidences créées"),
        "updated": ("résidence mise à jour", "résidences mises à jour"),
        "to_create": ("résidence à créer", "résidences à créer"),
        "to_update": ("résidence à mettre à jour", "résidences à mettre à jour"),
    },
    "relais": {
        "created": ("relais créé", "relais créés"),
        "updated": ("relais mis à jour", "relais mis à jour"),
        "to_create": ("relais à créer", "relais à créer"),
        "to_update": ("relais à mettre à jour", "relais à mettre à jour"),
    },
}
PREVIEW_COLUMNS = csv_import.PREVIEW_COLUMNS


def _import(request, kind: str):
    """Upload → report (nothing written) → confirmation, which re-reads the
    same bytes kept in the session and writes them all or nothing."""
    parse, list_url, noun = IMPORTS[kind]
    organisation = access_for(request.user).organisation
    form = csv_import.ImportUploadForm()
    context = {"kind": kind, "noun": noun, "form": form, "columns": _import_columns(kind)}
    if request.method == "POST" and "token" in request.POST:
        stored = request.session.get(f"import:{request.POST['token']}")
        if not stored or stored["kind"] != kind or stored["organisation"] != organisation.pk:
            messages.error(request, "Cet import a expiré ou n'existe pas : déposez le fichier à nouveau.")
            return redirect(f"relais:import_{kind}")
        content = base64.b64decode(stored["content"])
        report = parse(organisation=organisation, content=content)
        if report.ok:
            apply = csv_import.apply_residences if kind == "residences" else csv_import.apply_relais
            created, updated = apply(organisation=organisation, report=report, by=request.user)
            del request.session[f"import:{request.POST['token']}"]
            words = IMPORT_WORDS[kind]
            done = f"{plural(created, *words['created'])}, {plural(updated, *words['updated'])}"
            messages.success(request, f"Import terminé : {done}.")
            return redirect(list_url)
        context["report"] = report
    elif request.method == "POST":
        form = csv_import.ImportUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid() and csv_import.is_large(form.cleaned_data["file"]):
            # A large file: checked, then written after confirmation, by a worker.
            job = csv_import.import_job_start(
                organisation=organisation, kind=kind, upload=form.cleaned_data["file"], by=request.user
            )
            return redirect("relais:import_job", job=job.pk)
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            try:
                report = parse(organisation=organisation, content=content)
            except csv_import.ImportFileError as error:
                form.add_error("file", str(error))
            else:
                context["report"] = report
                context.update(_import_preview(kind, report))
                if report.ok:
                    token = secrets.token_urlsafe(16)
                    request.session[f"import:{token}"] = {
                        "kind": kind,
                        "organisation": organisation.pk,
                        "content": base64.b64encode(content).decode(),
                    }
                    context["token"] = token
    return render(request, "relais/import.html", context)


def _import_preview(kind: str, report) -> dict:
    """The rows an import will write, as the preview shows them, and its counts in words."""
    keys = PREVIEW_COLUMNS[kind]
    words = IMPORT_WORDS[kind]
    rows = [
        (data["line"], bool(data.get("pk")), ["" if data.get(k) is None else data.get(k) for k, _ in keys])
        for data in report.rows
    ]
    return {
        "preview_headers": [label for _, label in keys],
        "preview_rows": rows,
        "to_create": plural(report.to_create, *words["to_create"]),
        "to_update": plural(report.to_update, *words["to_update"]),
    }


def _import_columns(kind: str) -> list[tuple[str, str]]:
    spec = csv_import.RESIDENCE_COLUMNS if kind == "residences" else csv_import.RELAIS_COLUMNS
    required = {"residences": ("name", "reference"), "relais": ("first_name", "last_name", "residence")}[kind]
    return [(names[0] + (" *" if field in required else ""), ", ".join(names[1:])) for field, names in spec.items()]


def _import_job_context(job: ImportJob) -> dict:
    words = IMPORT_WORDS[job.kind]
    report = job.report or {}
    done = cache.get(csv_import.progress_key(job.pk)) or 0 if job.is_running else 0
    return {
        "job": job,
        "noun": IMPORTS[job.kind][2],
        "list_url": IMPORTS[job.kind][1],
        "done": done,
        "percent": min(100, round(100 * done / job.rows)) if job.rows and job.state == ImportJob.State.ECRITURE else 0,
        "preview_headers": [label for _, label in PREVIEW_COLUMNS[job.kind]],
        "to_create": plural(report.get("to_create", 0), *words["to_create"]),
        "to_update": plural(report.get("to_update", 0), *words["to_update"]),
        "created": plural(job.created, *words["created"]),
        "updated": plural(job.updated, *words["updated"]),
    }


@role_required(*WRITERS)
def import_job(request, job):
    """A large import: its check's report, the confirmation, its progress."""
    job = ImportJob.objects.get_for_user(request.user, job, write=request.method == "POST")
    if request.method == "POST":
        try:
            csv_import.import_job_confirm(job=job, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, "L'import est lancé : cette page suit son avancement.")
        return redirect("relais:import_job", job=job.pk)
    return render(request, "relais/import_job.html", _import_job_context(job))


@role_required(*WRITERS)
def import_job_state(request, job):
    """The job's state, polled by its page while a worker has it."""
    job = ImportJob.objects.get_for_user(request.user, job)
    return render(request, "relais/_import_job_state.html", _import_job_context(job))


@role_required(*WRITERS)
def import_residences(request):
    return _import(request, "residences")


@role_required(*WRITERS)
def import_relais(request):
    return _import(request, "relais")
