"""The whole meeting flow on the demo network, through the pages a mediation
team uses: plan, invite, answer, attend, round table, minutes, actions, publish,
plan the next one with the open actions carried over. Runs on SQLite under
`make test` and on PostgreSQL under `.ci/run`."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.models import Message, User
from core.outbox import dispatch
from relais.models import Relais
from remontees.models import Remontee, Theme
from reunions.models import ActionItem, AgendaItem, Invitee, Reunion
from tests.helpers import text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def link_in(message, path: str) -> str:
    return next(word for word in message.body.split() if path in word).split("testserver", 1)[-1]


def test_from_a_new_meeting_to_published_minutes_and_the_next_meeting(django_capture_on_commit_callbacks):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    staff = User.objects.get(email="mediation@habitat-du-lac.test")
    organisation = staff.memberships.get().organisation
    client = Client()
    client.force_login(staff)
    day = timezone.localdate() + datetime.timedelta(days=10)

    # Plan a thematic meeting in a residence's common room.
    response = client.post(
        "/reunions/nouvelle/",
        {
            "kind": "thematique",
            "title": "Thématique : ascenseurs",
            "themes": "ascenseurs, pannes",
            "date": day.isoformat(),
            "start": "18:00",
            "end": "20:00",
            "address": "Maison des associations, 2 rue Haute",
            "repeat": 1,
            "every_weeks": 13,
        },
    )
    reunion = Reunion.objects.get(title="Thématique : ascenseurs")
    assert response.status_code == 302 and response["Location"] == f"/reunions/{reunion.pk}/"

    # Invite every active relais: the list first, then the sending.
    active = Relais.objects.filter(organisation=organisation, status="actif")
    preview = client.post(f"/reunions/{reunion.pk}/inviter/", {"all_active": "on"})
    assert f"{active.count()} personne" in text(preview)
    assert not Invitee.objects.filter(reunion=reunion).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reunions/{reunion.pk}/inviter/", {"all_active": "on", "confirm": "1"})
    assert Invitee.objects.filter(reunion=reunion).count() == active.count()
    by_email = active.exclude(email="").filter(preferred_channel="email").count()
    assert len(mail.outbox) == by_email
    assert {m.subject for m in mail.outbox} == {"Invitation : Thématique : ascenseurs"}

    # Two relais answer from their link, without logging in; staff see it.
    for message, answer in zip(mail.outbox[:2], ["present", "absent"], strict=True):
        rsvp = link_in(message, "/reunions/reponse/")
        assert "Merci, votre réponse est enregistrée" in text(Client().post(rsvp, {"answer": answer}))
    assert "1 annonce sa présence, 0 peut-être, 1 absent·e," in text(client.get(f"/reunions/{reunion.pk}/"))

    # The day comes: attendance, one tap each, and someone who came uninvited.
    Reunion.objects.filter(pk=reunion.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2), ends_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    present = list(
        Invitee.objects.filter(reunion=reunion, relais__preferred_channel="email")
        .exclude(relais__email="")
        .order_by("pk")[:3]
    )
    for invitee in present:
        client.post(f"/reunions/{reunion.pk}/presences/", {"invitee": invitee.pk, "attended": "1"})
    uninvited = Relais.objects.filter(organisation=organisation, status="candidat").first()
    client.post(f"/reunions/{reunion.pk}/presences/ajouter/", {"person": f"r-{uninvited.pk}"})
    assert Invitee.objects.filter(reunion=reunion, attended=True).count() == 4
    assert "4 présent·es ce jour-là, dont 1 venu·e sans invitation" in text(client.get(f"/reunions/{reunion.pk}/"))

    # Round table: a difficulty tied to the relais' residence and a theme.
    speaker = present[0].relais
    response = client.post(
        f"/remontees/reunion/{reunion.pk}/tour-de-table/",
        {
            "relais": speaker.pk,
            "nature": "difficulte",
            "theme": Theme.objects.get(organisation=organisation, name="Ascenseur").pk,
            "description": "L'ascenseur du bâtiment B est en panne un jour sur deux.",
        },
    )
    assert response.status_code == 302
    raised = Remontee.objects.get(reunion=reunion)
    assert raised.residence in speaker.residences.all() and raised.status == "nouvelle"
    assert "en panne un jour sur deux" in text(client.get(f"/remontees/reunion/{reunion.pk}/tour-de-table/"))

    # Minutes, decisions and two actions (one for staff, one for a relais).
    client.post(
        f"/reunions/{reunion.pk}/compte-rendu/",
        {
            "agenda": "Accueil\nLes pannes d'ascenseur\nQuestions diverses",
            "minutes": "Douze relais présents. Les pannes durent en moyenne trois jours.",
            "decisions": "Le bailleur relance l'ascensoriste\nUn affichage des pannes dans les halls",
        },
    )
    due = timezone.localdate() + datetime.timedelta(days=20)
    for title, owner in [("Relancer l'ascensoriste", f"u-{staff.pk}"), ("Afficher le numéro", f"r-{speaker.pk}")]:
        response = client.post(
            f"/reunions/{reunion.pk}/actions/nouvelle/", {"title": title, "owner": owner, "due_on": due.isoformat()}
        )
        assert response.status_code == 302
    page = text(client.get(f"/reunions/{reunion.pk}/compte-rendu/"))
    assert "Relancer l'ascensoriste" in page and "Afficher le numéro" in page and "Actions (2)" in page

    # Publishing tells everyone on the list, once, with a link that needs no login.
    mail.outbox.clear()
    assert "Publier le compte-rendu" in text(client.get(f"/reunions/{reunion.pk}/compte-rendu/publier/"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reunions/{reunion.pk}/compte-rendu/publier/")
    reunion.refresh_from_db()
    assert reunion.status == "tenue" and reunion.minutes_published_at
    told = len(mail.outbox)
    assert (
        told
        == Invitee.objects.filter(reunion=reunion, relais__preferred_channel="email").exclude(relais__email="").count()
    )
    letter = mail.outbox[0]
    assert letter.subject == "Compte-rendu : Thématique : ascenseurs"
    public = text(Client().get(link_in(letter, "/reunions/compte-rendu/")))
    assert "Les pannes durent en moyenne trois jours" in public
    assert "Le bailleur relance l'ascensoriste" in public and "Afficher le numéro" in public
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reunions/{reunion.pk}/compte-rendu/publier/")
    assert len(mail.outbox) == told  # publishing again after a correction sends nothing

    # One action is done; the next meeting is planned from the minutes and the
    # open one is on its agenda.
    done = ActionItem.objects.get(title="Relancer l'ascensoriste")
    client.post(f"/reunions/actions/{done.pk}/statut/", {"status": "faite"})
    assert not Message.objects.filter(subject_id=done.pk, kind__startswith="action", state="en_attente").exists()
    response = client.post(
        f"/reunions/{reunion.pk}/suite/",
        {
            "kind": "thematique",
            "title": "Thématique : ascenseurs, suite",
            "date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
            "start": "18:00",
            "end": "20:00",
            "address": "Maison des associations, 2 rue Haute",
        },
    )
    following = Reunion.objects.get(title="Thématique : ascenseurs, suite")
    assert response["Location"] == f"/reunions/{following.pk}/" and following.previous == reunion
    carried = AgendaItem.objects.get(reunion=following)
    assert carried.action.title == "Afficher le numéro" and carried.title.startswith("Suivi : Afficher le numéro")
    assert "Suivi : Afficher le numéro" in text(client.get(f"/reunions/{following.pk}/compte-rendu/"))

    # The relais in charge is reminded three days before the due date, once.
    mail.outbox.clear()
    reminder_time = timezone.make_aware(datetime.datetime.combine(due - datetime.timedelta(days=3), datetime.time(9)))
    dispatch(now=reminder_time)
    dispatch(now=reminder_time)
    (reminder,) = [m for m in mail.outbox if "Afficher le numéro" in m.subject]
    assert reminder.to == [speaker.email] and reminder.subject.startswith("Action à mener d'ici le")
    assert not [m for m in mail.outbox if "Relancer" in m.subject]
