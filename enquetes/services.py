"""Writes of the surveys: named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core import outbox
from core.models import Organisation, SensitiveFlag, User
from core.sensitive import find
from enquetes.models import Answer, Invitation, Question, Questionnaire, Response, Section
from enquetes.starters import STARTERS
from relais.models import Relais, Residence
from reunions.models import Invitee, Reunion

CLOSED = "Ce questionnaire est clos : il n'accepte plus de réponse. Merci de votre intérêt."
NOT_YET = "Ce questionnaire n'est pas encore ouvert. Revenez à partir du {date}."
USED_ANONYMOUS = (
    "Ce lien a déjà servi : la réponse est enregistrée. Elle est anonyme, elle ne peut donc plus être modifiée."
)
HAS_ANSWERS = (
    "Ce questionnaire a déjà des réponses : ses questions ne peuvent plus changer (les réponses reçues ne "
    "voudraient plus rien dire). Pour poser d'autres questions, créez un nouveau questionnaire."
)


def _check_open(questionnaire: Questionnaire, today: datetime.date) -> None:
    if today > questionnaire.closes_on:
        raise ValidationError(CLOSED)
    if today < questionnaire.opens_on:
        raise ValidationError(NOT_YET.format(date=f"{questionnaire.opens_on:%d/%m/%Y}"))


def _check_editable(questionnaire: Questionnaire) -> None:
    if questionnaire.responses.exists():
        raise ValidationError(HAS_ANSWERS)


# Building.


def questionnaire_create(
    *,
    organisation: Organisation,
    by: User | None,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    audience: str = Questionnaire.Audience.RELAIS,
    anonymous: bool = True,
    intro: str = "",
    template: str = "",
    family: str = "",
    residences: Iterable[Residence] = (),
    reunion: Reunion | None = None,
) -> Questionnaire:
    """A questionnaire, empty or from a ready-made one (its sections and questions copied)."""
    if closes_on < opens_on:
        raise ValidationError({"closes_on": "La clôture doit venir après l'ouverture."})
    if audience == Questionnaire.Audience.LOCATAIRES and not anonymous:
        raise ValidationError({"anonymous": "Un lien ouvert aux locataires est anonyme : personne n'y donne son nom."})
    starter = STARTERS.get(template)
    with transaction.atomic():
        questionnaire = Questionnaire.objects.create(
            organisation=organisation,
            created_by=by,
            title=title or (starter["title"] if starter else ""),
            intro=intro or (starter["intro"] if starter else ""),
            anonymous=anonymous,
            audience=audience,
            template=template,
            family=family or (starter["family"] if starter else ""),
            year=opens_on.year,
            opens_on=opens_on,
            closes_on=closes_on,
            reunion=reunion,
        )
        questionnaire.residences.set(residences)
        if starter:
            _copy_starter(questionnaire, starter)
    return questionnaire


def _copy_starter(questionnaire: Questionnaire, starter: dict) -> None:
    keyed: dict[str, Question] = {}
    position = 0
    for s, (title, questions) in enumerate(starter["sections"]):
        section = Section.objects.create(questionnaire=questionnaire, title=title, position=s)
        for spec in questions:
            low, high = Question.SCALES.get(spec.get("scale", ""), (None, None))
            condition = spec.get("show_if")
            question = Question.objects.create(
                questionnaire=questionnaire,
                section=section,
                position=position,
                kind=spec["kind"],
                text=spec["text"],
                required=spec.get("required", False),
                scale_min=low,
                scale_max=high,
                label_min=spec.get("label_min", ""),
                label_max=spec.get("label_max", ""),
                options=list(spec.get("options", [])),
                show_if=keyed[condition[0]] if condition else None,
                show_if_values=list(condition[1]) if condition else [],
            )
            position += 1
            if "key" in spec:
                keyed[spec["key"]] = question


def questionnaire_update(*, questionnaire: Questionnaire, residences: Iterable[Residence] | None = None, **fields):
    """Its title, dates, audience… (anonymity is fixed once answers came: it was promised on the first page)."""
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if (
            "anonymous" in fields
            and fields["anonymous"] != questionnaire.anonymous
            and questionnaire.responses.exists()
        ):
            raise ValidationError(
                "Ce questionnaire a déjà des réponses : son anonymat, annoncé sur sa première page, ne change plus."
            )
        if fields.get("closes_on") and fields.get("opens_on") and fields["closes_on"] < fields["opens_on"]:
            raise ValidationError({"closes_on": "La clôture doit venir après l'ouverture."})
        for name, value in fields.items():
            setattr(questionnaire, name, value)
        if "opens_on" in fields:
            questionnaire.year = fields["opens_on"].year
        questionnaire.save()
        if residences is not None:
            questionnaire.residences.set(residences)
    return questionnaire


def section_add(*, questionnaire: Questionnaire, title: str) -> Section:
    with transaction.atomic():
        _check_editable(questionnaire)
        top = questionnaire.sections.aggregate(top=Max("position"))["top"]
        return Section.objects.create(questionnaire=questionnaire, title=title.strip(), position=(top or 0) + 1)


def question_save(
    *,
    questionnaire: Questionnaire,
    section: Section,
    kind: str,
    text: str,
    question: Question | None = None,
    help: str = "",
    required: bool = False,
    scale: str = "",
    label_min: str = "",
    label_max: str = "",
    options: list[str] | None = None,
    show_if: Question | None = None,
    show_if_values: list[int] | None = None,
) -> Question:
    """A question added at the end of its section's, or changed (before any answer)."""
    if section.questionnaire_id != questionnaire.pk or (show_if and show_if.questionnaire_id != questionnaire.pk):
        raise ValidationError("Cette section ou cette question n'appartient pas au questionnaire.")
    options = [o.strip() for o in options or [] if o.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(options) < 2:
        raise ValidationError({"options": "Proposez au moins deux choix, un par ligne."})
    low, high = Question.SCALES.get(scale, (None, None))
    if kind == Question.Kind.SCALE and low is None:
        raise ValidationError({"scale": "Choisissez l'échelle : de 0 à 7, de 0 à 10 ou de 1 à 5."})
    if show_if is not None and not show_if_values:
        raise ValidationError({"show_if_values": "Dites pour quelles réponses la question s'affiche."})
    with transaction.atomic():
        _check_editable(questionnaire)
        if question is None:
            top = questionnaire.questions.aggregate(top=Max("position"))["top"]
            question = Question(questionnaire=questionnaire, position=(top if top is not None else -1) + 1)
        elif show_if is not None and show_if.position >= question.position:
            raise ValidationError({"show_if": "Une question ne peut dépendre que d'une question posée avant elle."})
        question.section = section
        question.kind = kind
        question.text = text.strip()
        question.help = help.strip()
        question.required = required
        question.scale_min, question.scale_max = low, high
        question.label_min, question.label_max = (label_min, label_max) if kind == Question.Kind.SCALE else ("", "")
        question.options = options if question.is_choice else []
        question.show_if = show_if
        question.show_if_values = list(show_if_values or []) if show_if else []
        question.save()
    return question


def question_delete(*, question: Question) -> None:
    with transaction.atomic():
        _check_editable(question.questionnaire)
        question.delete()


# Sending.


@dataclass
class Sent:
    links: int  # invitations sent by e-mail or SMS
    paper: list[Relais]  # relais who chose paper (or gave no consented channel): hand them a paper copy


def invitations_send(
    *, questionnaire: Questionnaire, relais: Iterable[Relais], by: User | None, today: datetime.date | None = None
) -> Sent:
    """A personal link to each relais, by their consented channel, through the
    outbox; once each (a second send skips those already invited)."""
    today = today or timezone.localdate()
    _check_open(questionnaire, today)
    sent, paper = 0, []
    with transaction.atomic():
        have = set(questionnaire.invitations.values_list("relais_id", flat=True))
        for person in relais:
            if person.pk in have or person.organisation_id != questionnaire.organisation_id:
                continue
            invitation = Invitation.objects.create(questionnaire=questionnaire, relais=person)
            message = outbox.message_schedule(
                organisation_id=questionnaire.organisation_id,
                recipient=person,
                subject=invitation,
                kind="enquete",
                by=by,
            )
            if message is None:
                paper.append(person)
            else:
                sent += 1
        if questionnaire.sent_on is None:
            Questionnaire.objects.filter(pk=questionnaire.pk).update(sent_on=today)
    return Sent(sent, paper)


ALREADY_REMINDED = "Les relais qui n'ont pas répondu ont déjà été relancés une fois : on ne relance qu'une fois."


def reminders_send(*, questionnaire: Questionnaire, by: User | None, today: datetime.date | None = None) -> int:
    """One reminder, once, to those whose link has not served."""
    today = today or timezone.localdate()
    _check_open(questionnaire, today)
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if questionnaire.reminded_on is not None:
            raise ValidationError(ALREADY_REMINDED)
        waiting = list(questionnaire.invitations.filter(used=False, reminded=False).select_related("relais"))
        count = 0
        for invitation in waiting:
            message = outbox.message_schedule(
                organisation_id=questionnaire.organisation_id,
                recipient=invitation.relais,
                subject=invitation,
                kind="enquete-relance",
                by=by,
            )
            count += message is not None
        Invitation.objects.filter(pk__in=[i.pk for i in waiting]).update(reminded=True)
        questionnaire.reminded_on = today
        questionnaire.save(update_fields=["reminded_on"])
    return count


def after_meetings(*, today: datetime.date | None = None) -> int:
    """The day after a meeting, its questionnaire goes to the relais who came
    (beat, each morning). A meeting cancelled, or not yet over, waits."""
    today = today or timezone.localdate()
    due = Questionnaire.objects.filter(
        audience=Questionnaire.Audience.REUNION,
        sent_on__isnull=True,
        reunion__isnull=False,
        opens_on__lte=today,
        closes_on__gte=today,
    ).exclude(reunion__status=Reunion.Status.ANNULEE)
    sent = 0
    for questionnaire in due.select_related("reunion"):
        if timezone.localdate(questionnaire.reunion.ends_at) >= today:
            continue
        came = Relais.objects.filter(
            pk__in=Invitee.objects.filter(reunion=questionnaire.reunion, attended=True).values("relais_id")
        )
        result = invitations_send(questionnaire=questionnaire, relais=came, by=None, today=today)
        Questionnaire.objects.filter(pk=questionnaire.pk).update(sent_on=today)
        sent += result.links
    return sent


# Answering.

AnswerValue = int | Decimal | str | list[int] | None


def response_submit(
    *,
    questionnaire: Questionnaire,
    answers: dict[Question, AnswerValue],
    channel: str,
    residence: Residence | None = None,
    invitation: Invitation | None = None,
    today: datetime.date | None = None,
) -> Response:
    """Write one person's answers (already checked by the answer form). In an
    anonymous questionnaire the invitation is marked used and nothing ties it
    to the response; in a named one the response keeps its invitation and is
    replaced when sent again before the close date."""
    today = today or timezone.localdate()
    _check_open(questionnaire, today)
    if residence is not None and residence.organisation_id != questionnaire.organisation_id:
        raise ValidationError("Cette résidence n'est pas concernée par ce questionnaire.")
    with transaction.atomic():
        keep = None
        if invitation is not None:
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.questionnaire_id != questionnaire.pk:
                raise ValidationError("Ce lien n'est pas celui de ce questionnaire.")
            if questionnaire.anonymous:
                if invitation.used:
                    raise ValidationError(USED_ANONYMOUS)
                # No residence either: with the list of links used, the one
                # relais of a residence who answered would be found.
                residence = None
            else:
                keep = Response.objects.filter(invitation=invitation).first()
                if residence is None:
                    residence = invitation.relais.residences.order_by("pk").first()
            if not invitation.used:
                invitation.used = True
                invitation.save(update_fields=["used"])
        if keep is not None:
            keep.answers.all().delete()
            keep.submitted_on, keep.residence = today, residence
            keep.save(update_fields=["submitted_on", "residence"])
            response = keep
        else:
            response = Response.objects.create(
                questionnaire=questionnaire,
                submitted_on=today,
                channel=channel,
                residence=residence,
                invitation=None if questionnaire.anonymous else invitation,
            )
        rows = []
        given = {f"q{q.pk}": v for q, v in answers.items()}
        for question, value in answers.items():
            if value in (None, "", []) or not _asked(question, given):
                continue  # a question shown only after another answer, not given: no answer to keep
            if question.kind == Question.Kind.MULTIPLE:
                rows += [Answer(response=response, question=question, option=int(v)) for v in value]
            elif question.kind == Question.Kind.SINGLE:
                rows.append(Answer(response=response, question=question, option=int(value)))
            elif question.kind in (Question.Kind.SCALE, Question.Kind.NUMBER):
                rows.append(Answer(response=response, question=question, number=Decimal(value)))
            else:
                rows.append(Answer(response=response, question=question, text=str(value)))
        Answer.objects.bulk_create(rows)
        _guard_texts(questionnaire, [r for r in rows if r.text], today)
    return response


def _asked(question: Question, given: dict) -> bool:
    """Whether `question` was asked, given the answers before it (the answer form's rule)."""
    if question.show_if_id is None:
        return True
    before = given.get(f"q{question.show_if_id}")
    before = before if isinstance(before, list) else [before]
    return any(v is not None and int(v) in question.show_if_values for v in before)


def _guard_texts(questionnaire: Questionnaire, rows: list[Answer], today: datetime.date) -> None:
    """Free texts that seem to hold sensitive data wait for a person's review
    (Données personnelles › textes signalés) before the results show them. The
    flag carries the day only, like the answer."""
    flagged = [(row, find(row.text)) for row in rows]
    flagged = [(row, found) for row, found in flagged if found]
    if not flagged:
        return
    content_type = ContentType.objects.get_for_model(Answer)
    flags = SensitiveFlag.objects.bulk_create(
        SensitiveFlag(
            organisation_id=questionnaire.organisation_id,
            content_type=content_type,
            object_id=row.pk,
            field="text",
            categories=", ".join(found)[:200],
        )
        for row, found in flagged
    )
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    SensitiveFlag.objects.filter(pk__in=[f.pk for f in flags if f.pk]).update(flagged_at=midnight)
    if any(f.pk is None for f in flags):  # a backend that does not return ids on bulk insert
        SensitiveFlag.objects.filter(content_type=content_type, object_id__in=[row.pk for row, _ in flagged]).update(
            flagged_at=midnight
        )
