"""Writes of the network: who belongs to it and what they share, the members'
key figures (computed by the bilans machinery), the guests of its meetings, the
library. Named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from bilans.selectors import bilan_figures, value_at
from core import outbox
from core.formats import euros
from core.models import Membership, Message, NetworkMembership, Organisation, User
from core.uploads import Attachment
from espace.models import Announcement
from relais.models import Relais
from reseau.models import (
    Application,
    Call,
    Criterion,
    Document,
    DocumentVersion,
    Fund,
    MemberFigures,
    Project,
    ProjectEvent,
    Score,
    fresh_members,
)
from reunions import services as reunions_services
from reunions.models import Reunion

logger = logging.getLogger(__name__)

# Where each stored figure is in a bilan's figures (bilans.selectors.bilan_figures).
FIGURE_PATHS = {
    "relais_active": "relais.active",
    "residences": "coverage.residences",
    "covered": "coverage.covered",
    "reunions_held": "reunions.held",
    "remontees_answerable": "remontees.answerable",
    "remontees_answered_within": "remontees.answered_within",
    "initiatives_done": "initiatives.done",
    "participants": "initiatives.participants",
}


# Members


def network_member_add(
    *, network: Organisation, member: Organisation, joined_on: datetime.date | None = None, shares_figures: bool = True
) -> NetworkMembership:
    if not network.is_network:
        raise ValidationError("Seule une organisation de type « Réseau » a des membres.")
    if member.is_network:
        raise ValidationError("Un réseau ne peut pas être membre d'un réseau.")
    with transaction.atomic():
        if NetworkMembership.objects.filter(network=network, member=member, left_on__isnull=True).exists():
            raise ValidationError(f"« {member} » est déjà membre de « {network} ».")
        return NetworkMembership.objects.create(
            network=network, member=member, joined_on=joined_on or timezone.localdate(), shares_figures=shares_figures
        )


def network_member_leave(*, link: NetworkMembership, left_on: datetime.date | None = None) -> NetworkMembership:
    left_on = left_on or timezone.localdate()
    if left_on < link.joined_on:
        raise ValidationError("La sortie ne peut pas précéder l'adhésion.")
    with transaction.atomic():
        link.left_on = left_on
        link.save(update_fields=["left_on"])
    return link


def sharing_set(*, link: NetworkMembership, shares_figures: bool) -> NetworkMembership:
    """A member shares its key figures with a network, or stops (read at once by the scoping)."""
    with transaction.atomic():
        link.shares_figures = shares_figures
        link.save(update_fields=["shares_figures"])
    return link


# Key figures


def member_figures_compute(*, organisation: Organisation, year: int) -> MemberFigures:
    """One member's figures of a year, as its bilan computes them (the same
    function: the network adds them up, it never counts on its own)."""
    figures = bilan_figures(organisation, year)
    values = {name: value_at(figures, path) or 0 for name, path in FIGURE_PATHS.items()}
    with transaction.atomic():
        row, _ = MemberFigures.objects.update_or_create(
            organisation=organisation, year=year, defaults={**values, "computed_at": timezone.now()}
        )
    return row


def network_figures_refresh(*, network: Organisation, year: int, stale_before: datetime.datetime | None = None) -> int:
    """The figures of the year and the one before of every member who shares
    them (with `stale_before`: only of those whose figures of either year are
    missing or were computed before it); how many members were computed."""
    members = Organisation.objects.filter(
        network_links__network=network, network_links__left_on__isnull=True, network_links__shares_figures=True
    ).order_by("pk")
    if stale_before is not None:
        members = members.exclude(pk__in=fresh_members(MemberFigures.objects.all(), year=year, since=stale_before))
    members = list(members)
    for member in members:
        for y in (year, year - 1):
            member_figures_compute(organisation=member, year=y)
    return len(members)


def network_figures_request(*, network: Organisation, year: int) -> None:
    """Queue the refresh (a bilan per member and year: seconds for a large network)."""
    transaction.on_commit(lambda: refresh_network_figures.delay(network.pk, year))


# Routed to the `bilans` queue with the bilans' own tasks (CELERY_TASK_ROUTES: reseau.tasks.*).
@shared_task(name="reseau.tasks.refresh_network_figures", soft_time_limit=600, time_limit=660)
def refresh_network_figures(network_id: int, year: int) -> None:
    network = Organisation.objects.filter(pk=network_id, kind=Organisation.Kind.RESEAU).first()
    if network is None:
        return
    count = network_figures_refresh(network=network, year=year)
    logger.info("Figures of %s members of %s computed for %s", count, network.slug, year)


# Meetings of the network


def guests_invite(*, reunion: Reunion, by: User | None, relais: list[Relais] = (), users: list[User] = ()) -> int:
    """Invite people of the members to a network's meeting: the meetings'
    own machinery (convocation by each one's channel, reminders, answers)."""
    if not reunion.organisation.is_network:
        raise ValidationError("Seule une réunion d'un réseau invite les membres d'autres organisations.")
    return reunions_services.invitations_send(reunion=reunion, by=by, relais=relais, users=users)


def guest_users(*, network: Organisation, membership_ids: list[int]) -> list[User]:
    """The logins behind memberships of the network's members (checked again here)."""
    return list(
        User.objects.filter(
            memberships__pk__in=membership_ids,
            memberships__organisation__network_links__network=network,
            memberships__organisation__network_links__left_on__isnull=True,
            memberships__role__in=(Membership.Role.ADMIN, Membership.Role.STAFF, Membership.Role.PARTNER),
        ).distinct()
    )


# The library


def document_create(
    *,
    organisation: Organisation,
    by: User | None,
    title: str,
    kind: str,
    audience: str,
    description: str = "",
    file: Attachment | None = None,
    link: str = "",
    reunions: list[Reunion] = (),
    annonces: list[Announcement] = (),
) -> Document:
    with transaction.atomic():
        document = Document.objects.create(
            organisation=organisation,
            title=title.strip(),
            kind=kind,
            audience=audience,
            description=description.strip(),
            created_by=by,
        )
        if reunions or annonces:
            document_attach(document=document, reunions=reunions, annonces=annonces)
        version_add(document=document, by=by, file=file, link=link)
    return document


def document_update(*, document: Document, title: str, kind: str, audience: str, description: str = "") -> Document:
    with transaction.atomic():
        document.title, document.kind, document.audience = title.strip(), kind, audience
        document.description = description.strip()
        document.save(update_fields=["title", "kind", "audience", "description", "updated_at"])
    return document


def document_attach(*, document: Document, reunions: list[Reunion] = (), annonces: list[Announcement] = ()) -> None:
    """Attach a document to meetings and announcements of its own organisation."""
    if any(r.organisation_id != document.organisation_id for r in reunions):
        raise ValidationError("Une réunion choisie n'appartient pas à votre organisation.")
    if any(a.organisation_id != document.organisation_id for a in annonces):
        raise ValidationError("Une annonce choisie n'appartient pas à votre organisation.")
    with transaction.atomic():
        document.reunions.add(*reunions)
        document.annonces.add(*annonces)


def version_add(
    *, document: Document, by: User | None, file: Attachment | None = None, link: str = "", note: str = ""
) -> DocumentVersion:
    """A new current version; the old ones are kept as they were."""
    if bool(file) == bool(link):
        raise ValidationError("Joignez un fichier ou indiquez un lien (pour une vidéo), l'un ou l'autre.")
    with transaction.atomic():
        # Locks the document: two versions added at once get two numbers.
        Document.objects.select_for_update().filter(pk=document.pk).first()
        last = document.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = DocumentVersion(document=document, number=last + 1, link=link, note=note.strip(), uploaded_by=by)
        if file:
            version.filename = file.name[:120]
            version.content_type = file.content_type
            version.size = file.file.size
            version.file.save(file.file.name, file.file, save=False)
        version.save()
        Document.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    return version


# Projects followed on the ground

NETWORK_TEAM = (Membership.Role.ADMIN, Membership.Role.STAFF, Membership.Role.COORDINATOR)


def _check_member(network: Organisation, member: Organisation) -> None:
    if not NetworkMembership.objects.filter(network=network, member=member, left_on__isnull=True).exists():
        raise ValidationError(f"« {member} » n'est pas membre de « {network} ».")


def _check_accompagnateur(project: Project, user: User | None) -> None:
    """An accompagnateur is of the network's team or of the member's staff."""
    if user is None:
        return
    if not Membership.objects.filter(
        user=user, organisation_id__in=(project.organisation_id, project.member_id), role__in=NETWORK_TEAM
    ).exists():
        raise ValidationError({"accompagnateur": "Choisissez une personne de l'équipe du réseau ou du membre."})


def _event(project: Project, by: User | None, kind: str, text: str, at=None) -> ProjectEvent:
    return ProjectEvent.objects.create(project=project, by=by, kind=kind, text=text[:500], at=at or timezone.now())


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else "personne"


def project_create(
    *,
    network: Organisation,
    member: Organisation,
    by: User | None,
    title: str,
    site: str = "",
    stage: str = Project.Stage.IDEE,
    next_step: str = "",
    blockers: str = "",
    accompagnateur: User | None = None,
) -> Project:
    _check_member(network, member)
    project = Project(
        organisation=network,
        member=member,
        title=title.strip(),
        site=site.strip(),
        stage=stage,
        next_step=next_step.strip(),
        blockers=blockers.strip(),
        accompagnateur=accompagnateur,
    )
    _check_accompagnateur(project, accompagnateur)
    with transaction.atomic():
        project.save()
        _event(project, by, ProjectEvent.Kind.CREATION, f"Projet créé, étape « {project.get_stage_display()} »")
    return project


def project_update(
    *,
    project: Project,
    by: User | None,
    title: str,
    site: str,
    stage: str,
    next_step: str,
    blockers: str,
    accompagnateur: User | None,
) -> list[ProjectEvent]:
    """Change a project; each change followed (stage, next step, blockers,
    accompagnateur) is one line of its history. The lines written, in order."""
    _check_accompagnateur(project, accompagnateur)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        before = {
            "stage": project.get_stage_display(),
            "next_step": project.next_step,
            "blockers": project.blockers,
            "accompagnateur": project.accompagnateur,
        }
        project.title, project.site, project.stage = title.strip(), site.strip(), stage
        project.next_step, project.blockers = next_step.strip(), blockers.strip()
        project.accompagnateur = accompagnateur
        project.save()
        events = []
        if before["stage"] != project.get_stage_display():
            text = f"Étape : {before['stage']} → {project.get_stage_display()}"
            events.append(_event(project, by, ProjectEvent.Kind.STAGE, text))
        if before["next_step"] != project.next_step:
            text = f"Prochaine étape : {project.next_step or '(aucune)'}"
            events.append(_event(project, by, ProjectEvent.Kind.NEXT_STEP, text))
        if before["blockers"] != project.blockers:
            text = f"Points de blocage : {project.blockers}" if project.blockers else "Plus de point de blocage"
            events.append(_event(project, by, ProjectEvent.Kind.BLOCKERS, text))
        if before["accompagnateur"] != project.accompagnateur:
            text = f"Suivi par {_name(project.accompagnateur)} (auparavant {_name(before['accompagnateur'])})"
            events.append(_event(project, by, ProjectEvent.Kind.ACCOMPAGNATEUR, text))
    return events


def fund_grant(
    *,
    project: Project,
    by: User | None,
    kind: str,
    amount: int,
    granted_on: datetime.date,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Fund:
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "Indiquez un montant en euros, supérieur à zéro."})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "La fin ne peut pas précéder le début."})
    with transaction.atomic():
        fund = Fund.objects.create(
            project=project,
            kind=kind,
            amount=amount,
            granted_on=granted_on,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=by,
        )
        text = f"Fonds accordé : {fund.get_kind_display()}, {euros(amount)}, le {date_format(granted_on, 'j F Y')}"
        _event(project, by, ProjectEvent.Kind.FUND, text)
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return fund


# The committee's « point des accompagnateurs »

AGENDA_PREFIX = "Point des accompagnateurs"


def previous_committee(reunion: Reunion) -> Reunion | None:
    """The network's last committee held before this one (held: its date has
    passed and it was not cancelled, BATCH-NOTES)."""
    return (
        Reunion.objects.filter(
            organisation_id=reunion.organisation_id,
            kind=Reunion.Kind.COMITE,
            starts_at__lt=reunion.starts_at,
            starts_at__lte=timezone.now(),
        )
        .exclude(status=Reunion.Status.ANNULEE)
        .exclude(pk=reunion.pk)
        .order_by("-starts_at")
        .first()
    )


def projects_changed_since(network: Organisation, since: datetime.datetime | None) -> list[Project]:
    """The network's projects with a line of history since `since` (all of them
    when there was no committee before), by accompagnateur then title."""
    projects = Project.objects.filter(organisation=network)
    if since is not None:
        projects = projects.filter(pk__in=ProjectEvent.objects.filter(at__gte=since).values("project_id"))
    projects = projects.select_related("member", "accompagnateur")
    return sorted(
        projects,
        key=lambda p: (p.accompagnateur is None, _name(p.accompagnateur).lower(), p.title.lower(), p.pk),
    )


def _agenda_line(project: Project) -> str:
    parts = [f"{AGENDA_PREFIX} — {_name(project.accompagnateur) if project.accompagnateur else 'sans accompagnateur'}"]
    parts.append(f" : « {project.title} » ({project.member}), {project.get_stage_display().lower()}")
    if project.next_step:
        parts.append(f" ; prochaine étape : {project.next_step}")
    if project.blockers:
        parts.append(f" ; blocage : {' '.join(project.blockers.split())}")
    return "".join(parts)


def committee_agenda_generate(*, reunion: Reunion, by: User | None = None) -> list[Project]:
    """Put on a network committee's agenda one point per project changed since
    the previous committee held, grouped by accompagnateur, through the meetings'
    own service (reunions.services.minutes_save). The points typed by hand are
    kept; generating again replaces the generated ones. The projects listed."""
    if not reunion.organisation.is_network or reunion.kind != Reunion.Kind.COMITE:
        raise ValidationError("Seul un comité d'un réseau a un point des accompagnateurs.")
    previous = previous_committee(reunion)
    projects = projects_changed_since(reunion.organisation, previous.starts_at if previous else None)
    kept = [
        item.title
        for item in reunion.agenda_items.filter(action__isnull=True).order_by("position", "pk")
        if not item.title.startswith(AGENDA_PREFIX)
    ]
    generated = [_agenda_line(p) for p in projects]
    if not generated:
        generated = [f"{AGENDA_PREFIX} — aucun projet n'a changé depuis le dernier comité"]
    decisions = list(reunion.decisions.order_by("position", "pk").values_list("text", flat=True))
    reunions_services.minutes_save(
        reunion=reunion,
        agenda="\n".join(generated + kept),
        minutes=reunion.minutes,
        decisions="\n".join(decisions),
        by=by,
    )
    return projects


# Calls for projects

DECISION_KIND = "decision_appel"


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y à H \\h i")


def call_create(
    *,
    network: Organisation,
    by: User | None,
    title: str,
    envelope: int,
    deadline: datetime.datetime,
    criteria: list[tuple[str, int]],
    description: str = "",
) -> Call:
    if not network.is_network:
        raise ValidationError("Seul un réseau lance un appel à projets auprès de ses membres.")
    if not criteria:
        raise ValidationError({"criteria": "Donnez au moins un critère de sélection."})
    labels = [label.strip() for label, _ in criteria]
    if len(set(labels)) != len(labels):
        raise ValidationError({"criteria": "Deux critères portent le même nom."})
    if any(weight < 1 for _, weight in criteria):
        raise ValidationError({"criteria": "Chaque critère a un poids d'au moins 1."})
    with transaction.atomic():
        call = Call.objects.create(
            organisation=network,
            title=title.strip(),
            description=description.strip(),
            envelope=envelope,
            deadline=deadline,
            created_by=by,
        )
        Criterion.objects.bulk_create(
            Criterion(call=call, position=n, label=label, weight=weight)
            for n, (label, (_, weight)) in enumerate(zip(labels, criteria, strict=True))
        )
    return call


def application_submit(
    *,
    call: Call,
    applicant: Organisation,
    by: User | None,
    title: str,
    description: str,
    budget: int,
    expected_effects: str,
    now: datetime.datetime | None = None,
) -> Application:
    """A member applies; after the deadline nothing is written."""
    now = now or timezone.now()
    if now > call.deadline:
        raise ValidationError(
            f"La date limite de dépôt était le {_when(call.deadline)} : la candidature ne peut plus être déposée."
        )
    _check_member(call.organisation, applicant)
    with transaction.atomic():
        return Application.objects.create(
            organisation=call.organisation,
            call=call,
            applicant=applicant,
            title=title.strip(),
            description=description.strip(),
            budget=budget,
            expected_effects=expected_effects.strip(),
            submitted_at=now,
            submitted_by=by,
        )


def _decided(application: Application) -> ValidationError:
    return ValidationError(
        f"La décision sur cette candidature a déjà été prise le {_when(application.decided_at)} : "
        "elle ne change plus et a déjà été annoncée."
    )


def scores_set(*, application: Application, scorer: User, values: dict[int, int]) -> int:
    """One committee member's scores (criterion id → 0 to 5), changeable until
    the decision. How many scores were written."""
    if not Membership.objects.filter(
        user=scorer, organisation_id=application.organisation_id, role__in=NETWORK_TEAM
    ).exists():
        raise ValidationError("Seuls les membres du comité (l'équipe du réseau) notent les candidatures.")
    criteria = {c.pk: c for c in application.call.criteria.all()}
    if set(values) - set(criteria):
        raise ValidationError("Un critère noté n'est pas un critère de cet appel.")
    if any(v is None or not 0 <= v <= 5 for v in values.values()):
        raise ValidationError("Chaque note va de 0 à 5.")
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != Application.Status.DEPOSEE:
            raise _decided(locked)
        for criterion_id, value in values.items():
            Score.objects.update_or_create(
                application=locked, criterion=criteria[criterion_id], scorer=scorer, defaults={"value": value}
            )
    return len(values)


def application_decide(
    *,
    application: Application,
    by: User | None,
    granted: bool,
    amount: int | None = None,
    conditions: str = "",
    refusal_reason: str = "",
) -> Application:
    """The committee's decision, recorded once and told once to the applicant's
    staff (the outbox: one message per person, application and kind). A grant
    that would overrun the call's envelope is refused, nothing written."""
    if granted and (amount is None or amount <= 0):
        raise ValidationError({"amount": "Indiquez le montant accordé, en euros."})
    if not granted and not refusal_reason.strip():
        raise ValidationError({"refusal_reason": "Dites pourquoi le comité refuse : le membre le lira."})
    with transaction.atomic():
        # The call locked first: two grants decided at once cannot both fit a envelope meant for one.
        call = Call.objects.select_for_update().get(pk=application.call_id)
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.DEPOSEE:
            raise _decided(application)
        if granted:
            used = call.applications.aggregate(total=Sum("granted_amount"))["total"] or 0
            if used + amount > call.envelope:
                raise ValidationError(
                    {
                        "amount": f"{euros(amount)} dépasse l'enveloppe de l'appel : il reste "
                        f"{euros(call.envelope - used)} sur {euros(call.envelope)}."
                    }
                )
            application.status, application.granted_amount = Application.Status.ACCORDEE, amount
            application.conditions = conditions.strip()
        else:
            application.status, application.refusal_reason = Application.Status.REFUSEE, refusal_reason.strip()
        application.decided_at, application.decided_by = timezone.now(), by
        application.save()
        # The member's staff who read the application: not those limited to some
        # quartiers (an application is the whole organisation's).
        readers = Membership.objects.filter(
            organisation_id=application.applicant_id,
            role__in=(Membership.Role.ADMIN, Membership.Role.STAFF),
            quartiers__isnull=True,
        )
        recipients = User.objects.filter(pk__in=readers.values("user_id"), is_active=True)
        for user in recipients:
            outbox.message_schedule(
                organisation_id=application.organisation_id,
                recipient=user,
                subject=application,
                kind=DECISION_KIND,
                by=by,
                send_now=True,
            )
    return application


@outbox.renderer(DECISION_KIND)
def _render_call_decision(message: Message) -> outbox.Rendered | None:
    application = (
        Application.objects.select_related("call", "organisation", "applicant").filter(pk=message.subject_id).first()
    )
    if application is None or application.status == Application.Status.DEPOSEE:
        return None
    text = render_to_string("emails/call_decision.txt", {"application": application, "call": application.call})
    subject, _, body = text.strip().partition("\n")
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n")
