"""The meetings of the demo network (called by `seed_demo`, once per organisation)."""

import datetime

from django.utils import timezone

from relais.models import Relais
from reunions import services
from reunions.models import Invitee, Reunion

PLAN = [
    (-330, Reunion.Kind.PLENIERE, "Réunion plénière annuelle", "bilan de l'année, perspectives", "tenue"),
    (-200, Reunion.Kind.THEMATIQUE, "Thématique : propreté et encombrants", "encombrants, nettoyage", "tenue"),
    (-110, Reunion.Kind.THEMATIQUE, "Thématique : sécurité et tranquillité", "sécurité, éclairage", "tenue"),
    (-60, Reunion.Kind.COMITE, "Comité du réseau", "fonds de participation", "annulee"),
    (-20, Reunion.Kind.FORMATION, "Formation : le rôle du relais", "accueil des nouveaux relais", "tenue"),
    (9, Reunion.Kind.THEMATIQUE, "Thématique : chauffage et eau chaude", "chauffage, prestataire", "prevue"),
    (45, Reunion.Kind.PLENIERE, "Réunion plénière annuelle", "bilan de l'année, perspectives", "prevue"),
]


def seed(*, organisation, staff, rng, today: datetime.date) -> None:
    """Last year's plenary and this year's thematic meetings: some held, with
    answers and attendance, one cancelled, some to come. Nothing is sent: the
    invitees are recorded as if the invitations had gone out."""
    if Reunion.objects.filter(organisation=organisation).exists():
        return
    tz = timezone.get_current_timezone()

    def at(days: int, hour: int) -> datetime.datetime:
        day = today + datetime.timedelta(days=days)
        return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)

    common_room = organisation.residences.filter(has_common_room=True).order_by("pk").first()
    active = list(organisation.relais.filter(status=Relais.Status.ACTIF).order_by("pk"))
    for days, kind, title, themes, status in PLAN:
        reunion = services.reunion_plan(
            organisation=organisation,
            by=staff,
            kind=kind,
            title=title,
            themes=themes,
            starts_at=at(days, 18),
            ends_at=at(days, 20),
            residence=common_room,
        )
        invited = active if kind == Reunion.Kind.PLENIERE else rng.sample(active, k=min(18, len(active)))
        rows = []
        for person in invited:
            answer = rng.choices(["present", "absent", "peut_etre", ""], weights=[6, 2, 1, 2])[0]
            attended = (answer == "present" and rng.random() < 0.9) if status == "tenue" else None
            answered_at = reunion.starts_at - datetime.timedelta(days=3) if answer else None
            rows.append(
                Invitee(reunion=reunion, relais=person, answer=answer, attended=attended, answered_at=answered_at)
            )
        Invitee.objects.bulk_create(rows)
        if status != Reunion.Status.PREVUE:
            Reunion.objects.filter(pk=reunion.pk).update(status=status)
