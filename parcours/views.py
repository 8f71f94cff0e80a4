from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.access import READERS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.forms import is_id
from core.views import form_page, paginate
from parcours import pdf, selectors, services
from parcours.filters import BoardFilter
from parcours.forms import CharterForm, MaterialForm, MilestoneForm, ModuleForm, SessionLinkForm, StepAddForm
from parcours.models import (
    CharterVersion,
    Milestone,
    OnboardingStep,
    TrainingMaterial,
    TrainingModule,
    TrainingSession,
)
from relais.models import Relais


def _posted(request, model, name: str, *, write: bool = False):
    """The row of `model` whose id was posted as `name`, in the user's scope (None otherwise)."""
    raw = request.POST.get(name, "")
    if not is_id(raw):
        return None
    return model.objects.for_user(request.user, write=write).filter(pk=raw).first()


# The onboarding checklist


@role_required(*WRITERS)
@require_safe
def board(request):
    """Who is on their way in, and where each one is stuck."""
    stuck_at = request.GET.get("etape", "")
    everyone = stuck_at == "tous"
    rows, steps = selectors.onboarding_board(request.user, stuck_at=stuck_at, everyone=everyone)
    filterset = BoardFilter(request.GET or None, queryset=rows, request=request)
    page = paginate(request, filterset.qs)
    page.object_list = [selectors.checklist_of(r, steps) for r in page.object_list]
    context = {"filter": filterset, "page": page, "steps": steps, "stuck_at": stuck_at, "everyone": everyone}
    return render(request, "parcours/board.html", context)


@role_required(*WRITERS)
def steps(request):
    """The organisation chooses its steps: which, in which order, and its own."""
    organisation = access_for(request.user).organisation
    form = StepAddForm(request.POST if "label" in request.POST else None)
    if request.method == "POST":
        step_id, action = request.POST.get("step", ""), request.POST.get("action", "")
        if step_id or action:
            step = _chosen_step(request, organisation, step_id, action)
            if step is None:
                messages.error(request, "Choisissez une étape et ce qu'il faut en faire.")
            elif action == "toggle":
                step = services.step_toggle(step=step)
                messages.success(request, f"« {step.label} » est {'proposée' if step.enabled else 'retirée'}.")
            else:
                services.step_move(step=step, up=action == "up")
                messages.success(request, f"« {step.label} » a changé de place.")
            return redirect("parcours:steps")
        if form.is_bound and form.is_valid():
            try:
                step = services.step_add(organisation=organisation, label=form.cleaned_data["label"])
            except ValidationError as error:
                form.add_error("label", error)
            else:
                messages.success(request, f"L'étape « {step.label} » est ajoutée.")
                return redirect("parcours:steps")
        elif not form.is_bound:
            messages.error(request, "Choisissez une étape.")
            return redirect("parcours:steps")
    rows = selectors.steps_of(organisation.pk, enabled_only=False)
    return render(request, "parcours/steps.html", {"rows": rows, "form": form})


def _chosen_step(request, organisation, step_id: str, action: str) -> OnboardingStep | None:
    """The step a button names (by id, or by kind while the default steps are
    not stored yet: they are stored then, the first change making them the
    organisation's own), or None for anything else (nothing is written)."""
    if action not in ("toggle", "up", "down"):
        return None
    if is_id(step_id):
        return OnboardingStep.objects.for_user(request.user, write=True).filter(pk=step_id).first()
    if step_id not in OnboardingStep.Kind.values or step_id == OnboardingStep.Kind.AUTRE:
        return None
    services.steps_store(organisation=organisation)
    return OnboardingStep.objects.for_user(request.user, write=True).filter(kind=step_id).first()


@role_required(*WRITERS)
def relais(request, relais):
    """A relais' way in: the checklist (a custom step ticked here), the trainings, the thanks."""
    relais = Relais.objects.get_for_user(request.user, relais)
    if request.method == "POST":
        step = _posted(request, OnboardingStep, "step", write=True)
        if step is None:
            messages.error(request, "Choisissez une étape.")
        else:
            try:
                if request.POST.get("action") == "untick":
                    services.step_untick(step=step, relais=relais)
                else:
                    services.step_tick(step=step, relais=relais, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"« {step.label} » : c'est noté.")
        return redirect("parcours:relais", relais.pk)
    context = {
        "relais": relais,
        "checklist": selectors.relais_checklist(request.user, relais),
        "record": selectors.training_record(request.user, relais),
        "milestones": Milestone.objects.for_user(request.user).filter(relais=relais).order_by("-reached_on"),
    }
    return render(request, "parcours/relais.html", context)


@role_required(*RELAIS_ONLY)
@require_POST
def guide_read(request):
    # The form is read before anything is written: a request Django refuses
    # (too many fields) must not have noted the guide as read.
    back = "espace:home" if request.POST.get("next") == "espace" else "espace:guide"
    relais = Relais.objects.for_user(request.user).first()
    if relais is None:
        messages.error(request, "Votre fiche de relais n'est pas encore créée : demandez-le à l'équipe.")
    else:
        services.guide_read(relais=relais)
        messages.success(request, "Merci : le guide est noté comme lu.")
    return redirect(back)


# The charter


@role_required(*READERS, *RELAIS_ONLY)
def charter(request):
    """The charter in force; a relais signs it here; staff see who signed which version."""
    access = access_for(request.user)
    versions = selectors.charter_versions(request.user)
    current = versions[0] if versions else None
    if request.method == "POST":
        if not access.is_relais:
            raise PermissionDenied("Seul un relais signe la charte.")
        relais = Relais.objects.for_user(request.user).first()
        version = _posted(request, CharterVersion, "version")
        if relais is None or version is None:
            messages.error(request, "Il n'y a pas de charte à signer pour le moment.")
        else:
            try:
                services.charter_sign(relais=relais, version=version)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, "Merci : vous avez signé la charte du relais.")
                return redirect("espace:home")
        return redirect("parcours:charter")
    context = {
        "current": current,
        "versions": versions if access.can_write else [],
        "signature": selectors.charter_signature(request.user, current) if access.is_relais else None,
        "signatures": selectors.my_signatures(request.user) if access.is_relais else [],
    }
    return render(request, "parcours/charter.html", context)


@role_required(*WRITERS)
def charter_publish(request):
    versions = selectors.charter_versions(request.user)
    form = CharterForm(request.POST or None, initial={"text": versions[0].text if versions else ""})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.charter_publish(
                organisation=access_for(request.user).organisation, text=form.cleaned_data["text"], by=request.user
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(
                request, f"La version {version.number} de la charte est publiée : chaque relais est invité à la signer."
            )
            return redirect("parcours:charter")
    return form_page(
        request,
        form,
        title="Publier une nouvelle version de la charte",
        intro="Les relais la lisent dans leur espace et la signent ; "
        "les signatures des versions précédentes sont gardées.",
        back=reverse("parcours:charter"),
    )


# Training


@role_required(*READERS)
@require_safe
def modules(request):
    return render(request, "parcours/modules.html", {"rows": selectors.modules(request.user)})


@role_required(*WRITERS)
def module_create(request):
    return _module_form(request, None)


@role_required(*WRITERS)
def module_edit(request, module):
    return _module_form(request, TrainingModule.objects.get_for_user(request.user, module, write=True))


def _module_form(request, module):
    form = ModuleForm(request.POST or None, instance=module)
    if request.method == "POST" and form.is_valid():
        organisation = access_for(request.user).organisation
        module = services.module_save(organisation=organisation, module=module, **form.cleaned_data)
        messages.success(request, f"La formation « {module.title} » est enregistrée.")
        return redirect("parcours:module", module.pk)
    return form_page(
        request,
        form,
        title="Modifier la formation" if module else "Nouvelle formation",
        intro="Une formation proposée aux relais ; donnez-lui une place dans le parcours pour qu'elle fasse partie "
        "de celles que suit chaque nouveau relais.",
        back=reverse("parcours:module", args=[module.pk]) if module else reverse("parcours:modules"),
    )


@role_required(*READERS, *RELAIS_ONLY)
@require_safe
def module(request, module):
    module = TrainingModule.objects.get_for_user(request.user, module)
    access = access_for(request.user)
    context = {
        "module": module,
        "materials": TrainingMaterial.objects.for_user(request.user).filter(module=module),
        "sessions": selectors.module_sessions(request.user, module) if access.can_write else [],
    }
    return render(request, "parcours/module.html", context)


@role_required(*WRITERS)
def session_link(request, module):
    module = TrainingModule.objects.get_for_user(request.user, module, write=True)
    form = SessionLinkForm(request.POST or None, meetings=selectors.linkable_meetings(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_link(module=module, reunion=form.cleaned_data["reunion"])
        except ValidationError as error:
            form.add_error("reunion", error)
        else:
            messages.success(request, "La réunion est une session de cette formation : ses présences comptent.")
            return redirect("parcours:module", module.pk)
    return form_page(
        request,
        form,
        title=f"Une session de « {module.title} »",
        intro="Planifiez d'abord la réunion (type « Formation ») dans Réunions : invitations, rappels et feuille "
        "d'émargement restent les siens. Rattachez-la ici à la formation.",
        back=reverse("parcours:module", args=[module.pk]),
    )


@role_required(*WRITERS)
def material_add(request, module):
    module = TrainingModule.objects.get_for_user(request.user, module, write=True)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.material_add(module=module, title=data["title"], url=data["url"], attachment=data["file"] or None)
        messages.success(request, "Le support est ajouté.")
        return redirect("parcours:module", module.pk)
    return render(
        request,
        "parcours/material_form.html",
        {"form": form, "module": module, "back": reverse("parcours:module", args=[module.pk])},
    )


@role_required(*READERS, *RELAIS_ONLY)
@require_safe
def material_file(request, material):
    material = TrainingMaterial.objects.get_for_user(request.user, material)
    if not material.file:
        raise Http404("Ce support est un lien, pas un fichier.")
    return FileResponse(material.file.open("rb"), content_type=material.content_type, filename=f"{material.title}.pdf")


@role_required(*RELAIS_ONLY)
@require_safe
def my_training(request):
    relais = Relais.objects.for_user(request.user).first()
    record = selectors.training_record(request.user, relais) if relais else None
    return render(request, "parcours/my_training.html", {"relais": relais, "record": record})


def _certificate(request, session, relais=None):
    session = TrainingSession.objects.select_related("module", "reunion__organiser").get_for_user(request.user, session)
    attendee = selectors.session_attendee(request.user, session, relais)
    if attendee is None:
        raise Http404("Pas de présence notée à cette session : pas d'attestation.")
    signed_by = session.reunion.organiser or (request.user if access_for(request.user).can_write else None)
    data = pdf.certificate_pdf(session=session, attendee=attendee, signed_by=signed_by)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.certificate_filename(session, attendee)}"'
    return response


@role_required(*RELAIS_ONLY)
@require_safe
def certificate_mine(request, session):
    return _certificate(request, session)


@role_required(*WRITERS)
@require_safe
def certificate(request, session, relais):
    return _certificate(request, session, Relais.objects.get_for_user(request.user, relais))


# Thanks


@role_required(*WRITERS)
@require_safe
def milestones(request):
    state = request.GET.get("etat", Milestone.State.PREPARE)
    if state not in Milestone.State.values:
        state = Milestone.State.PREPARE
    page = paginate(request, selectors.milestones(request.user, state=state))
    context = {"page": page, "state": state, "states": Milestone.State.choices}
    return render(request, "parcours/milestones.html", context)


PAPER = (
    "Le relais n'a pas accepté d'être contacté par e-mail ou SMS : remettez-lui ce message de vive voix ou sur papier."
)


@role_required(*WRITERS)
def milestone(request, milestone):
    milestone = Milestone.objects.select_related("relais").get_for_user(request.user, milestone)
    form = MilestoneForm(request.POST or None, instance=milestone)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "dismiss":
                services.milestone_dismiss(milestone=milestone)
                messages.success(request, "Ce remerciement est écarté.")
                return redirect("parcours:milestones")
            if form.is_valid():
                milestone = services.milestone_edit(milestone=milestone, body=form.cleaned_data["body"])
                if action == "send":
                    milestone = services.milestone_send(milestone=milestone, by=request.user)
                    where = milestone.message.get_channel_display().lower() if milestone.message else None
                    messages.success(request, f"Le remerciement part par {where}." if where else PAPER)
                    return redirect("parcours:milestones")
                messages.success(request, "Le message est enregistré.")
                return redirect("parcours:milestone", milestone.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("parcours:milestone", milestone.pk)
    return render(request, "parcours/milestone.html", {"milestone": milestone, "form": form})
