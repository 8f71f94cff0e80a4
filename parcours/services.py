"""Writes of parcours: named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core import outbox
from core.models import Organisation, User
from core.uploads import Attachment
from parcours import facts
from parcours.models import (
    DEFAULT_STEPS,
    CharterSignature,
    CharterVersion,
    GuideReading,
    Milestone,
    OnboardingStep,
    StepTick,
    TrainingMaterial,
    TrainingModule,
    TrainingSession,
)
from parcours.selectors import STEPS_KEY, path_done_on
from relais.models import Relais
from reunions.models import Reunion

# The onboarding steps


def _steps_changed(organisation_id: int) -> None:
    """Every relais' home reads the steps from the cache: drop it now, and again
    once committed (a page read meanwhile may have cached the steps before)."""
    key = STEPS_KEY.format(organisation_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def steps_store(*, organisation: Organisation) -> list[OnboardingStep]:
    """The organisation's steps, the default ones stored the first time it changes them."""
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        stored = list(OnboardingStep.objects.filter(organisation=organisation))
        if not stored:
            stored = OnboardingStep.objects.bulk_create(
                OnboardingStep(organisation=organisation, kind=kind, label=OnboardingStep.Kind(kind).label, position=n)
                for n, kind in enumerate(DEFAULT_STEPS)
            )
            _steps_changed(organisation.pk)
    return stored


def step_toggle(*, step: OnboardingStep) -> OnboardingStep:
    step.enabled = not step.enabled
    step.save(update_fields=["enabled"])
    _steps_changed(step.organisation_id)
    return step


def step_move(*, step: OnboardingStep, up: bool) -> None:
    """Swap the step with the one before (or after) it."""
    with transaction.atomic():
        steps = list(OnboardingStep.objects.select_for_update().filter(organisation_id=step.organisation_id))
        index = next(n for n, s in enumerate(steps) if s.pk == step.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(steps):
            return
        steps[index], steps[other] = steps[other], steps[index]
        for position, s in enumerate(steps):
            s.position = position
        OnboardingStep.objects.bulk_update(steps, ["position"])
        _steps_changed(step.organisation_id)


def step_add(*, organisation: Organisation, label: str) -> OnboardingStep:
    """A step of the organisation's own (« visite de la résidence avec le gardien »), ticked by staff."""
    label = " ".join(label.split())
    if not label:
        raise ValidationError("Donnez un intitulé à l'étape.")
    with transaction.atomic():
        steps_store(organisation=organisation)
        last = OnboardingStep.objects.filter(organisation=organisation).aggregate(m=Max("position"))["m"] or 0
        _steps_changed(organisation.pk)
        return OnboardingStep.objects.create(
            organisation=organisation, kind=OnboardingStep.Kind.AUTRE, label=label, position=last + 1
        )


def step_tick(*, step: OnboardingStep, relais: Relais, by: User, done_on: datetime.date | None = None) -> StepTick:
    if step.kind != OnboardingStep.Kind.AUTRE:
        raise ValidationError("Cette étape avance d'elle-même, avec ce que le relais fait.")
    if step.organisation_id != relais.organisation_id:
        raise ValidationError("Cette étape n'est pas celle de l'organisation du relais.")
    done_on = done_on or timezone.localdate()
    tick, _ = StepTick.objects.get_or_create(step=step, relais=relais, defaults={"done_on": done_on, "by": by})
    return tick


def step_untick(*, step: OnboardingStep, relais: Relais) -> None:
    StepTick.objects.filter(step=step, relais=relais).delete()


def guide_read(*, relais: Relais, now: datetime.datetime | None = None) -> GuideReading:
    """The relais read the guide; said once (a second « J'ai lu » keeps the first date)."""
    reading, _ = GuideReading.objects.get_or_create(relais=relais, defaults={"read_at": now or timezone.now()})
    return reading


# The charter


def charter_publish(
    *, organisation: Organisation, text: str, by: User | None, now: datetime.datetime | None = None
) -> CharterVersion:
    """A new version of the charter: every relais is asked to sign it."""
    text = text.strip()
    if not text:
        raise ValidationError("Le texte de la charte est vide.")
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        current = CharterVersion.objects.filter(organisation=organisation).order_by("-number").first()
        if current is not None and current.text.strip() == text:
            raise ValidationError("Ce texte est celui de la version en vigueur : modifiez-le avant de le publier.")
        return CharterVersion.objects.create(
            organisation=organisation,
            number=(current.number + 1) if current else 1,
            text=text,
            published_at=now or timezone.now(),
            published_by=by,
        )


def charter_sign(*, relais: Relais, version: CharterVersion, now: datetime.datetime | None = None) -> CharterSignature:
    """The relais signs the version in force; signing twice keeps the first date."""
    current = CharterVersion.objects.filter(organisation_id=relais.organisation_id).order_by("-number").first()
    if current is None or current.pk != version.pk:
        raise ValidationError("Une nouvelle version de la charte a été publiée : relisez-la avant de la signer.")
    try:
        with transaction.atomic():
            signature, _ = CharterSignature.objects.get_or_create(
                version=version, relais=relais, defaults={"signed_at": now or timezone.now()}
            )
    except IntegrityError:  # signed at the same moment from another tab
        signature = CharterSignature.objects.get(version=version, relais=relais)
    return signature


# Training


def module_save(*, organisation: Organisation, module: TrainingModule | None = None, **fields) -> TrainingModule:
    module = module or TrainingModule(organisation=organisation)
    for name, value in fields.items():
        setattr(module, name, value.strip() if isinstance(value, str) else value)
    module.save()
    return module


def material_add(
    *, module: TrainingModule, title: str, url: str = "", attachment: Attachment | None = None
) -> TrainingMaterial:
    if bool(url) == bool(attachment):
        raise ValidationError("Donnez un lien ou un fichier PDF, l'un ou l'autre.")
    if attachment is not None and attachment.content_type != "application/pdf":
        raise ValidationError("Un support de formation joint doit être un PDF.")
    material = TrainingMaterial(module=module, title=title.strip(), url=url)
    if attachment is not None:
        material.content_type = attachment.content_type
        material.file.save(attachment.file.name, attachment.file, save=False)
    material.save()
    return material


def session_link(*, module: TrainingModule, reunion: Reunion) -> TrainingSession:
    """A meeting of kind « formation » becomes a session of `module`."""
    if reunion.kind != Reunion.Kind.FORMATION:
        raise ValidationError("Seule une réunion de type « Formation » peut être une session de formation.")
    if reunion.organisation_id != module.organisation_id:
        raise ValidationError("Cette réunion n'est pas de votre organisation.")
    try:
        with transaction.atomic():
            return TrainingSession.objects.create(module=module, reunion=reunion)
    except IntegrityError:
        raise ValidationError("Cette réunion est déjà la session d'une formation.") from None


# Thanks

# How long after a milestone the platform still notices it: a first run on an
# old network thanks nobody for what they did three years ago.
NOTICE_WINDOW = datetime.timedelta(days=30)

THANKS = {
    Milestone.Kind.UN_AN: "Il y a un an, vous deveniez relais de votre résidence. Merci pour cette année "
    "passée à faire le lien entre vos voisins et nous : votre présence compte.",
    Milestone.Kind.DIX_ACTIVITES: "Vous venez de noter votre dixième activité de relais. Merci pour ces visites, "
    "ces portes frappées et ces voisins aidés : c'est ce qui fait vivre la résidence.",
    Milestone.Kind.PREMIERE_INITIATIVE: "Votre première initiative a eu lieu. Merci de l'avoir portée : "
    "les voisins s'en souviendront, et nous aussi.",
    Milestone.Kind.PARCOURS: "Vous avez suivi toutes les formations du parcours des nouveaux relais. "
    "Merci pour ce temps donné : vous avez désormais tout en main.",
}


def thanks_text(*, relais: Relais, kind: str, signature: str) -> str:
    return f"Bonjour {relais.first_name},\n\n{THANKS[kind]}\n\n{signature}"


def _reached(organisation: Organisation, today: datetime.date) -> list[tuple[Relais, str, datetime.date]]:
    """The milestones reached in the window and not noticed yet: one query per kind."""
    since = today - NOTICE_WINDOW
    relais = Relais.objects.filter(organisation=organisation, status=Relais.Status.ACTIF, anonymised_at=None)
    found: list[tuple[Relais, str, datetime.date]] = []

    def unnoticed(kind: str):
        return relais.exclude(milestones__kind=kind)

    a_year_ago = today - datetime.timedelta(days=365)
    for r in unnoticed(Milestone.Kind.UN_AN).filter(
        started_on__lte=a_year_ago, started_on__gt=a_year_ago - NOTICE_WINDOW
    ):
        found.append((r, Milestone.Kind.UN_AN, _anniversary(r.started_on)))
    for kind in (Milestone.Kind.DIX_ACTIVITES, Milestone.Kind.PREMIERE_INITIATIVE):
        fact = str(kind)
        if not facts.known(fact):
            continue
        rows = unnoticed(kind).annotate(reached=facts.fact(fact)).filter(reached__gte=since, reached__lte=today)
        found += [(r, kind, r.reached) for r in rows]
    done = {pk: day for pk, day in path_done_on(organisation.pk).items() if since <= day <= today}
    if done:
        for r in unnoticed(Milestone.Kind.PARCOURS).filter(pk__in=done):
            found.append((r, Milestone.Kind.PARCOURS, done[r.pk]))
    return found


def _anniversary(started_on: datetime.date) -> datetime.date:
    try:
        return started_on.replace(year=started_on.year + 1)
    except ValueError:  # 29 February
        return started_on + datetime.timedelta(days=365)


def milestones_prepare(*, organisation: Organisation, today: datetime.date | None = None) -> int:
    """Notice the milestones reached lately and prepare their thank-you for
    staff. Once: the database holds one row per relais and kind, so a second
    run (or two at once) prepares nothing more."""
    today = today or timezone.localdate()
    signature = f"L'équipe de {organisation.name}"
    rows = [
        Milestone(
            organisation=organisation,
            relais=r,
            kind=kind,
            reached_on=day,
            body=thanks_text(relais=r, kind=kind, signature=signature),
        )
        for r, kind, day in _reached(organisation, today)
    ]
    created = Milestone.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def milestone_edit(*, milestone: Milestone, body: str) -> Milestone:
    body = body.strip()
    if not body:
        raise ValidationError("Le message est vide.")
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if locked.state != Milestone.State.PREPARE:
            raise ValidationError("Ce remerciement est déjà envoyé ou écarté : il ne se modifie plus.")
        locked.body = body
        locked.save(update_fields=["body"])
    return locked


def milestone_send(*, milestone: Milestone, by: User, now: datetime.datetime | None = None) -> Milestone:
    """Send the thank-you once: the row is locked and re-checked before the
    outbox gets it; a second click (or a second tab) finds it sent."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().select_related("relais").get(pk=milestone.pk)
        if locked.state != Milestone.State.PREPARE:
            raise ValidationError("Ce remerciement est déjà envoyé.")
        message = outbox.message_schedule(
            organisation_id=locked.organisation_id,
            recipient=locked.relais,
            subject=locked,
            kind="remerciement",
            by=by,
            send_now=True,
        )
        locked.state = Milestone.State.ENVOYE
        locked.sent_at = now
        locked.sent_by = by
        locked.message = message
        locked.save(update_fields=["state", "sent_at", "sent_by", "message"])
    return locked


def milestone_dismiss(*, milestone: Milestone) -> Milestone:
    updated = Milestone.objects.filter(pk=milestone.pk, state=Milestone.State.PREPARE).update(
        state=Milestone.State.ECARTE
    )
    if not updated:
        raise ValidationError("Ce remerciement est déjà envoyé.")
    milestone.refresh_from_db()
    return milestone
