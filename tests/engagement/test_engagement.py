"""Engagement: time given, the attestation d'engagement, relais at risk."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.forms import parse_minutes
from engagement import selectors, services
from engagement.models import Attestation, AttestationRun, EngagementSettings, LastSeen
from espace.forms import ActivityForm
from initiatives.models import Initiative, Organiser
from parcours.models import TrainingModule, TrainingSession
from relais.models import ContactLog, Relais
from reunions.models import Invitee, Reunion
from tests.factories import (
    ActivityFactory,
    InitiativeFactory,
    InviteeFactory,
    RelaisFactory,
    RelaisStatusChangeFactory,
    ReunionFactory,
)
from tests.helpers import same_queries_for_few_and_many, text

TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1


def at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def meeting(org, day, *, hours=2, kind=Reunion.Kind.THEMATIQUE, status=Reunion.Status.PREVUE, title=None, minutes=0):
    start = at(day)
    return ReunionFactory(
        organisation=org,
        kind=kind,
        status=status,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours, minutes=minutes),
        **({"title": title} if title else {}),
    )


def attend(reunion, relais, attended=True, minutes=None):
    return InviteeFactory(reunion=reunion, relais=relais, attended=attended, minutes=minutes)


def organise(org, relais, day, minutes, *, status=Initiative.Status.REALISEE, title=None):
    initiative = InitiativeFactory(
        organisation=org, starts_on=day, status=status, organisers=[relais], **({"title": title} if title else {})
    )
    Organiser.objects.filter(initiative=initiative, relais=relais).update(minutes=minutes)
    return initiative


# Time given


def test_durations_are_read_and_written_the_french_way():
    assert [parse_minutes(t) for t in ("1 h 30", "1h30", "2 h", "45 min", "45", "1:15", "1,5 h", "3 heures")] == [
        90,
        90,
        120,
        45,
        45,
        75,
        90,
        180,
    ]
    assert parse_minutes("une heure") is None and parse_minutes("1 h 75") is None
    from core.formats import duration

    assert [duration(m) for m in (90, 45, 120, 0, 74945)] == [
        "1\u00a0h\u00a030",
        "45\u00a0min",
        "2\u00a0h",
        "0\u00a0min",
        "1\u00a0249\u00a0h\u00a005",
    ]


def test_the_activity_form_takes_time_as_people_say_it(db):
    data = {"kind": "porte_a_porte", "date": TODAY.isoformat(), "households": 3, "theme": "accueil"}
    form = ActivityForm({**data, "minutes": "1 h 30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["minutes"] == 90
    refused = ActivityForm({**data, "minutes": "beaucoup"})
    assert not refused.is_valid()
    assert "« 1 h 30 »" in refused.errors["minutes"][0]
    assert "Au plus 24 heures" in ActivityForm({**data, "minutes": "30 h"}).errors["minutes"][0]


def test_hours_come_from_each_source_and_add_up_per_relais_and_year(world):
    org, relais, other = world.org_a, world.relais_a, world.relais_a2
    day = datetime.date(LAST_YEAR, 3, 10)
    ActivityFactory(relais=relais, date=day, minutes=90)
    ActivityFactory(relais=relais, date=day, minutes=30)
    ActivityFactory(relais=relais, date=datetime.date(LAST_YEAR - 1, 12, 31), minutes=600)  # the year before
    attend(meeting(org, day, hours=2), relais)  # its duration: 120
    attend(meeting(org, day, hours=3), relais, minutes=45)  # came late: 45
    attend(meeting(org, day, hours=2, status=Reunion.Status.ANNULEE), relais)  # cancelled: nothing
    attend(meeting(org, day, hours=2), relais, attended=False)  # absent: nothing
    organise(org, relais, day, 240)
    organise(org, relais, day, 300, status=Initiative.Status.PREVUE)  # not done: nothing
    ActivityFactory(relais=other, date=day, minutes=60)

    hours = selectors.hours_by_relais(org.pk, datetime.date(LAST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31))
    assert (hours[relais.pk].activity, hours[relais.pk].meetings, hours[relais.pk].initiatives) == (120, 165, 240)
    assert hours[relais.pk].total == 525
    assert hours[other.pk].total == 60
    total = selectors.hours_total(org.pk, datetime.date(LAST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31))
    assert total.total == 585
    assert (
        selectors.hours_by_relais(org.pk, datetime.date(LAST_YEAR - 1, 1, 1), datetime.date(LAST_YEAR - 1, 12, 31))[
            relais.pk
        ].total
        == 600
    )


def test_the_hour_value_needs_its_source_and_a_sane_rate(world, login):
    client = login(world.staff_a)
    url = reverse("engagement:settings")
    answer = client.post(
        url, {"hour_value": "11,88", "hour_value_source": "", "signatory_name": "", "signatory_role": ""}
    )
    assert answer.status_code == 400
    assert "Dites d'où vient cette valeur" in text(answer)
    answer = client.post(
        url, {"hour_value": "douze", "hour_value_source": "SMIC", "signatory_name": "", "signatory_role": ""}
    )
    assert answer.status_code == 400 and "Écrivez un montant" in text(answer)
    assert not EngagementSettings.objects.exists()
    answer = client.post(
        url,
        {
            "hour_value": "11,88",
            "hour_value_source": "SMIC horaire brut au 1er novembre 2024",
            "signatory_name": "Claire Martin",
            "signatory_role": "Responsable de la médiation",
        },
    )
    assert answer.status_code == 302
    chosen = EngagementSettings.objects.get(organisation=world.org_a)
    assert chosen.hour_value == Decimal("11.88") and chosen.signatory_name == "Claire Martin"
    assert selectors.hour_value(90, chosen) == Decimal("17.82")


def test_staff_write_the_time_of_each_present_relais_and_of_each_organiser(world, login):
    client = login(world.staff_a)
    day = TODAY - datetime.timedelta(days=3)
    reunion = meeting(world.org_a, day, hours=2)
    present = attend(reunion, world.relais_a)
    url = reverse("engagement:reunion_minutes", args=[reunion.pk])
    assert "2\u00a0h" in client.get(url).content.decode()
    assert client.post(url, {f"m{present.pk}": "n'importe"}).status_code == 400
    assert client.post(url, {f"m{present.pk}": "1 h 15"}).status_code == 302
    present.refresh_from_db()
    assert present.minutes == 75
    initiative = organise(world.org_a, world.relais_a, day, 0)
    url = reverse("engagement:initiative_minutes", args=[initiative.pk])
    assert client.post(url, {f"m{world.relais_a.pk}": "3 h"}).status_code == 302
    assert Organiser.objects.get(initiative=initiative).minutes == 180


# Visits


def test_a_visit_is_written_at_most_once_a_day(world, login):
    client = login(world.relais_user_a)
    client.get(reverse("espace:home"))
    seen = LastSeen.objects.get(relais=world.relais_a)
    assert seen.seen_on == TODAY
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("espace:home"))
    assert not [q for q in queries.captured_queries if "engagement_lastseen" in q["sql"]]
    # Another day (a new session): moved forward by one conditional update.
    LastSeen.objects.filter(pk=seen.pk).update(seen_on=TODAY - datetime.timedelta(days=5))
    assert services.visit_record(user=world.relais_user_a, organisation_id=world.org_a.pk) == 1
    assert services.visit_record(user=world.relais_user_a, organisation_id=world.org_a.pk) == 0
    assert LastSeen.objects.get(pk=seen.pk).seen_on == TODAY
    # Staff opening pages are not visits of anyone.
    login(world.staff_a).get(reverse("engagement:dashboard"))
    assert LastSeen.objects.count() == 1


# Relais at risk, each rule at its boundary


def _risky(world, **kwargs) -> dict[int, list[str]]:
    rows = selectors.at_risk(world.staff_a, today=TODAY, **kwargs)
    return {r.pk: [reason.code for reason in selectors.reasons_of(r, TODAY)] for r in rows}


def _fresh(world, **fields) -> Relais:
    """An active relais of organisation A, without a login, who did something yesterday."""
    defaults = {"status_since": TODAY - datetime.timedelta(days=400), "residences": [world.residence_a1]}
    relais = RelaisFactory(organisation=world.org_a, **{**defaults, **fields})
    ActivityFactory(relais=relais, date=TODAY - datetime.timedelta(days=1))
    return relais


@pytest.mark.parametrize("days, expected", [(59, False), (60, True), (61, True)])
def test_no_activity_for_60_days(world, days, expected):
    relais = _fresh(world)
    relais.activities.all().update(date=TODAY - datetime.timedelta(days=days))
    assert (relais.pk in _risky(world)) is expected
    if expected:
        assert _risky(world)[relais.pk] == ["inactif"]


@pytest.mark.parametrize("days, expected", [(59, False), (61, True)])
def test_a_relais_who_never_logged_anything_counts_from_their_start(world, days, expected):
    relais = RelaisFactory(organisation=world.org_a, status_since=TODAY - datetime.timedelta(days=days))
    assert (relais.pk in _risky(world)) is expected


@pytest.mark.parametrize("days, expected", [(89, False), (90, True), (91, True)])
def test_no_visit_to_their_space_for_90_days(world, days, expected):
    relais = _fresh(world, user=world.staff_b)  # any login
    LastSeen.objects.create(relais=relais, seen_on=TODAY - datetime.timedelta(days=days))
    assert ("sans-visite" in _risky(world).get(relais.pk, [])) is expected


def test_a_relais_without_a_login_is_never_flagged_for_visits(world):
    relais = _fresh(world)
    assert relais.pk not in _risky(world)


@pytest.mark.parametrize("days, expected", [(29, False), (30, True), (31, True)])
def test_a_candidate_waiting_30_days(world, days, expected):
    candidate = RelaisFactory(
        organisation=world.org_a, status=Relais.Status.CANDIDAT, status_since=TODAY - datetime.timedelta(days=days)
    )
    assert (_risky(world).get(candidate.pk) == ["candidat"]) is expected
    # Waiting for the team from the first day: the inbox lists every candidate.
    assert candidate in selectors.candidates_waiting(world.staff_a)


@pytest.mark.parametrize(
    "attendance, expected",
    [
        ([True, False], False),  # one missed
        ([True, False, False], True),  # two in a row
        ([False, False, True], False),  # came back
        ([False, True, False], False),  # not in a row
        ([False, False, None], True),  # attendance not noted: not a third absence, nor a presence
    ],
)
def test_two_meetings_missed_in_a_row(world, attendance, expected):
    relais = _fresh(world)
    for n, attended in enumerate(attendance):
        attend(meeting(world.org_a, TODAY - datetime.timedelta(days=50 - n * 10)), relais, attended=attended)
    # A cancelled meeting, a future one: never an absence.
    attend(meeting(world.org_a, TODAY - datetime.timedelta(days=2), status=Reunion.Status.ANNULEE), relais, False)
    assert ("absences" in _risky(world).get(relais.pk, [])) is expected


def test_the_reasons_filter_and_the_list_for_agency_staff(world, login):
    inactive = _fresh(world)
    inactive.activities.all().update(date=TODAY - datetime.timedelta(days=100))
    outside = _fresh(world, residences=[world.residence_a2])
    outside.activities.all().update(date=TODAY - datetime.timedelta(days=100))
    assert set(_risky(world, reason="inactif")) >= {inactive.pk, outside.pk}
    assert _risky(world, reason="candidat") == {}
    page = text(login(world.agency_a).get(reverse("engagement:at_risk")))
    assert str(inactive) in page and str(outside) not in page
    assert "Appeler pour prendre des nouvelles" in page


def test_call_planned_logs_the_exchange_in_one_click(world, login):
    relais = _fresh(world)
    relais.activities.all().update(date=TODAY - datetime.timedelta(days=70))
    client = login(world.staff_a)
    answer = client.post(reverse("engagement:call_planned", args=[relais.pk]))
    assert answer.status_code == 302
    contact = ContactLog.objects.get(relais=relais)
    assert contact.kind == ContactLog.Kind.APPEL and contact.date == TODAY and contact.author == world.staff_a
    assert contact.note == "Appel prévu : aucune activité notée depuis 60 jours"
    assert client.post(reverse("engagement:call_planned", args=[world.relais_b.pk])).status_code == 404


def test_the_inbox_and_the_dashboard_read_the_same_definitions(world, login):
    quiet = _fresh(world)
    quiet.activities.all().update(date=TODAY - datetime.timedelta(days=61))
    candidate = RelaisFactory(
        organisation=world.org_a, status=Relais.Status.CANDIDAT, status_since=TODAY - datetime.timedelta(days=3)
    )
    client = login(world.staff_a)
    inbox = text(client.get(reverse("inbox:inbox")))
    assert "Relais qui s'éloignent" in inbox and str(quiet) in inbox
    assert "aucune activité notée depuis 60 jours" in inbox
    assert "Candidat·es en attente" in inbox and str(candidate) in inbox
    board = text(client.get(reverse("engagement:dashboard")))
    assert "Relais qui s'éloignent" in board and str(quiet) in board
    assert "sans contact depuis 90" not in board
    # Partners see the coverage, never who is drifting away.
    partner = text(login(world.partner_a).get(reverse("engagement:dashboard")))
    assert str(quiet) not in partner and "résidences avec un relais actif" in partner


def test_the_at_risk_list_and_the_hours_page_keep_their_query_count(world, login):
    client = login(world.staff_a)

    def grow(start, end):
        for n in range(start, end):
            relais = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1], user=None)
            ActivityFactory(relais=relais, date=datetime.date(LAST_YEAR, 5, 1), minutes=30)
            reunion = meeting(world.org_a, datetime.date(LAST_YEAR, 6, 1 + n % 20))
            attend(reunion, relais, attended=False)
            attend(meeting(world.org_a, datetime.date(LAST_YEAR, 7, 1 + n % 20)), relais, attended=False)
            organise(world.org_a, relais, datetime.date(LAST_YEAR, 8, 1), 60)

    same_queries_for_few_and_many(client, reverse("engagement:at_risk"), grow, 2, 12)
    answer = same_queries_for_few_and_many(
        client, reverse("engagement:hours") + f"?annee={LAST_YEAR}", lambda a, b: grow(a + 12, b + 12), 1, 8
    )
    assert "Total" in text(answer)
    same_queries_for_few_and_many(client, reverse("engagement:dashboard"), lambda a, b: grow(a + 30, b + 30), 1, 6)


# Retention and the bilan


def test_retention_and_hours_in_the_bilan_compared_with_the_year_before(world, login):
    from bilans.selectors import bilan_figures

    org = world.org_a
    y, before = LAST_YEAR, LAST_YEAR - 1
    # Four relais active at the start of the year; three still active at its end.
    stay = [RelaisFactory(organisation=org, status_since=datetime.date(before - 1, 3, 1)) for _ in range(3)]
    leaves = RelaisFactory(organisation=org, status_since=datetime.date(before - 1, 3, 1))
    for r in [*stay, leaves]:
        RelaisStatusChangeFactory(relais=r, from_status="", to_status="actif", date=datetime.date(before - 1, 3, 1))
    RelaisStatusChangeFactory(relais=leaves, from_status="actif", to_status="sorti", date=datetime.date(y, 6, 1))
    # The year before: of the four active then, all kept.
    ActivityFactory(relais=stay[0], date=datetime.date(y, 4, 1), minutes=90)
    attend(meeting(org, datetime.date(y, 5, 1), hours=2), stay[1])
    ActivityFactory(relais=stay[0], date=datetime.date(before, 4, 1), minutes=60)
    EngagementSettings.objects.create(organisation=org, hour_value=Decimal("11.88"), hour_value_source="SMIC horaire")

    now = bilan_figures(org, y)["engagement"]
    then = bilan_figures(org, before)["engagement"]
    assert now["minutes"] == 210 and now["hours"] == Decimal("3.5") and now["value"] == Decimal("41.58")
    assert now["retention"] == {"base": 4, "kept": 3, "percent": 75.0}
    assert then["minutes"] == 60 and then["retention"]["percent"] == 100.0
    from bilans.services import bilan_open

    bilan = bilan_open(organisation=org, year=y)
    page = text(login(world.staff_a).get(reverse("bilans:detail", args=[bilan.pk])))
    assert "Heures données par les relais" in page
    assert "Valeur du temps donné" in page and "41,58 €" in page
    assert "Relais actifs un an plus tôt toujours actifs" in page and "75 %" in page
    assert "SMIC horaire" in page


# The attestation


def _known_relais(world):
    """Nadia Diallo's year: what her attestation must say, figure by figure."""
    org, relais = world.org_a, world.relais_a
    Relais.objects.filter(pk=relais.pk).update(
        first_name="Nadia", last_name="Diallo", started_on=datetime.date(LAST_YEAR - 2, 9, 14)
    )
    relais.refresh_from_db()
    attend(
        meeting(org, datetime.date(LAST_YEAR, 2, 3), hours=2, kind=Reunion.Kind.PLENIERE, title="Plénière annuelle"),
        relais,
    )
    training = meeting(
        org, datetime.date(LAST_YEAR, 4, 7), hours=3, kind=Reunion.Kind.FORMATION, title="Formation écoute active"
    )
    attend(training, relais)
    # The session was given for a module of the organisation's training (parcours/).
    module = TrainingModule.objects.create(organisation=org, title="Écouter et orienter ses voisins")
    TrainingSession.objects.create(module=module, reunion=training)
    attend(
        meeting(org, datetime.date(LAST_YEAR, 9, 22), hours=2, title="Réunion thématique chauffage"), relais, minutes=45
    )
    attend(meeting(org, datetime.date(LAST_YEAR, 10, 6), title="Réunion manquée"), relais, attended=False)
    organise(org, relais, datetime.date(LAST_YEAR, 6, 20), 300, title="Fête des voisins des Tilleuls")
    for day, minutes, households in ((datetime.date(LAST_YEAR, 3, 1), 90, 6), (datetime.date(LAST_YEAR, 11, 5), 60, 4)):
        ActivityFactory(relais=relais, date=day, minutes=minutes, households=households)
    return relais


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages)).replace("\u00a0", " ")


def test_the_attestation_says_every_figure_of_a_known_relais(world):
    relais = _known_relais(world)
    attestation = services.attestation_issue(
        relais=relais,
        year=LAST_YEAR,
        by=world.staff_a,
        signatory_name="Claire Martin",
        signatory_role="Responsable de la médiation",
    )
    with attestation.file.open("rb") as f:
        page = _pdf_text(f.read())
    # 120 + 180 + 45 (meetings) + 300 (initiative) + 150 (activity) = 795 minutes
    assert attestation.minutes == 795
    for expected in (
        "Attestation d'engagement bénévole",
        f"Année {LAST_YEAR}",
        f"du 1er janvier {LAST_YEAR} au 31 décembre {LAST_YEAR}",
        "Claire Martin, Responsable de la médiation d'Habitat A",
        "Nadia Diallo",
        f"habitant·e-relais depuis le 14 septembre {LAST_YEAR - 2}",
        "pour la résidence Les Tilleuls",
        "pour un total de 13 h 15",
        "3 réunions suivies",
        "1 formation",
        "1 initiative organisée",
        "2 actions de proximité",
        f"3 février {LAST_YEAR} Plénière annuelle Plénière 2 h",
        f"7 avril {LAST_YEAR} Formation écoute active Formation 3 h",
        f"22 septembre {LAST_YEAR} Réunion thématique chauffage Thématique 45 min",
        "Total des réunions 5 h 45",
        f"20 juin {LAST_YEAR} Fête des voisins des Tilleuls",
        "Total des initiatives 5 h",
        f"module « Écouter et orienter ses voisins » (7 avril {LAST_YEAR}, 3 h)",
        "10 foyers rencontrés : 2 h 30",
        f"Fait le {timezone.localdate().day}",
        f"Réf. ATT-{LAST_YEAR}-{relais.pk:05d}-1",
        "validation des acquis de l'expérience",
    ):
        assert expected in page, f"{expected!r} not in {page}"
    assert "Réunion manquée" not in page
    # Re-issued: a new version replaces the file.
    again = services.attestation_issue(
        relais=relais, year=LAST_YEAR, by=world.staff_a, signatory_name="Paul Durand", signatory_role="Directeur"
    )
    assert again.pk == attestation.pk and again.version == 2
    with again.file.open("rb") as f:
        page = _pdf_text(f.read())
    assert "Paul Durand" in page and f"ATT-{LAST_YEAR}-{relais.pk:05d}-2" in page
    assert Attestation.objects.count() == 1


def test_the_relais_downloads_theirs_from_their_space(world, login):
    relais = _known_relais(world)
    client = login(world.relais_user_a)
    page = client.get(reverse("engagement:mine"))
    assert "Télécharger l'attestation" in text(page)
    url = reverse("engagement:my_attestation", args=[LAST_YEAR])
    # No signatory chosen yet: told so, in French.
    answer = client.get(url, follow=True)
    assert "n'a pas encore choisi qui signe" in text(answer)
    EngagementSettings.objects.create(
        organisation=world.org_a, signatory_name="Claire Martin", signatory_role="Médiatrice"
    )
    answer = client.get(url)
    assert answer["Content-Type"] == "application/pdf"
    assert "Nadia Diallo" in _pdf_text(answer.content) and "13 h 15" in _pdf_text(answer.content)
    # Another relais' attestation is not theirs to read.
    other = services.attestation_issue(
        relais=world.relais_a2, year=LAST_YEAR, by=world.staff_a, signatory_name="C", signatory_role="M"
    )
    assert client.get(reverse("engagement:file", args=[other.pk])).status_code == 404
    assert not LastSeen.objects.exclude(relais=relais).exists()
    assert relais.pk == LastSeen.objects.get().relais_id


def test_staff_generate_every_attestation_of_a_year_with_its_progress(world, login, django_capture_on_commit_callbacks):
    _known_relais(world)
    ActivityFactory(relais=world.relais_a2, date=datetime.date(LAST_YEAR, 5, 5), minutes=30)
    client = login(world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("engagement:attestations"),
            {"year": LAST_YEAR, "signatory_name": "Claire Martin", "signatory_role": "Responsable de la médiation"},
        )
    assert answer.status_code == 302
    run = AttestationRun.objects.get()
    assert (run.state, run.total, run.done) == (AttestationRun.State.PRET, 2, 2)
    assert Attestation.objects.filter(year=LAST_YEAR).count() == 2
    page = text(client.get(reverse("engagement:attestations") + f"?annee={LAST_YEAR}"))
    assert "2 prêtes, signées par Claire Martin" in page and "13 h 15" in page
    # Without a signatory: refused at its field, nothing queued.
    answer = client.post(
        reverse("engagement:attestations"), {"year": LAST_YEAR, "signatory_name": "", "signatory_role": ""}
    )
    assert answer.status_code == 400 and AttestationRun.objects.count() == 1


def test_a_round_of_attestations_is_cut_into_one_pdf_per_relais_whatever_their_length(world):
    from engagement import pdf

    long, short = world.relais_a, world.relais_a2
    for n in range(45):
        attend(meeting(world.org_a, datetime.date(LAST_YEAR, 1 + n % 12, 1 + n // 12), title=f"Réunion n° {n}"), long)
    ActivityFactory(relais=short, date=datetime.date(LAST_YEAR, 5, 5), minutes=30)
    data = selectors.attestation_data(world.org_a, LAST_YEAR, [long.pk, short.pk])
    documents = pdf.attestation_pdfs(
        [(long, data[long.pk]), (short, data[short.pk])], world.org_a, LAST_YEAR, ("Claire Martin", "Médiatrice"), TODAY
    )
    pages = [PdfReader(io.BytesIO(d)).pages for d in documents]
    assert [len(p) for p in pages] == [2, 1]
    first, second = _pdf_text(documents[0]), _pdf_text(documents[1])
    assert "Réunion n° 44" in first and "90 h" in first and str(short.last_name) not in first
    assert short.last_name in second and "30 min" in second and "Réunion n° 1" not in second
    # Each page says whose it is, at its foot.
    assert f"ATT-{LAST_YEAR}-{long.pk:05d}-1" in pages[0][1].extract_text()


def test_time_counted_for_someone_not_present_is_an_impossible_history(world):
    import io as _io

    from django.core.management import call_command

    from reunions.services import attendance_set

    reunion = meeting(world.org_a, TODAY - datetime.timedelta(days=3))
    invitee = attend(reunion, world.relais_a, minutes=45)
    out = _io.StringIO()
    call_command("check_data", stdout=out)
    assert "Aucun historique impossible." in out.getvalue()
    Invitee.objects.filter(pk=invitee.pk).update(attended=False)
    out = _io.StringIO()
    with pytest.raises(SystemExit):
        call_command("check_data", stdout=out)
    assert "sans être noté·e présent·e" in out.getvalue()
    # The service never leaves it so: unticking clears the time.
    Invitee.objects.filter(pk=invitee.pk).update(attended=True)
    attendance_set(invitee=Invitee.objects.get(pk=invitee.pk), attended=False)
    assert Invitee.objects.get(pk=invitee.pk).minutes is None
