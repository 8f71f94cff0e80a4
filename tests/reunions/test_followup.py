"""After the meeting and around it: actions and their reminders,
per-organisation reminder offsets, failures shown to staff, answers
from the relais' space, the calendar subscription and the published minutes."""

import datetime
import re

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Membership, Message
from core.outbox import dispatch
from remontees.models import Remontee
from reunions import services
from reunions.models import ActionItem, Invitee, Reunion
from tests.factories import InviteeFactory, RelaisFactory, RemonteeFactory
from tests.helpers import plan_reunion, same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def plan(world, days=20, **extra):
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=days)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    return plan_reunion(world, start, **{"title": "Chauffage", "address": "Maison de quartier", **extra})


def at_nine(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


# Actions


def test_an_action_is_reminded_before_and_after_its_due_date_unless_done(world, django_capture_on_commit_callbacks):
    reunion = plan(world, days=-1)
    due = timezone.localdate() + datetime.timedelta(days=10)
    action = services.action_add(
        reunion=reunion, by=world.staff_a, title="Réparer l'éclairage", owner=world.relais_a, due_on=due
    )
    other = services.action_add(
        reunion=reunion, by=world.staff_a, title="Écrire au syndic", owner=world.staff_a, due_on=due
    )
    assert set(Message.objects.filter(subject_id=action.pk).values_list("kind", "scheduled_for")) >= {
        ("action-j3", at_nine(due - datetime.timedelta(days=3))),
        ("action-retard", at_nine(due + datetime.timedelta(days=1))),
    }
    dispatch(now=at_nine(due - datetime.timedelta(days=3)))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.relais_a.email, world.staff_a.email])
    assert all(m.subject.startswith("Action à mener d'ici le") for m in mail.outbox)

    services.action_set_status(action=other, status=ActionItem.Status.FAITE)
    mail.outbox.clear()
    dispatch(now=at_nine(due + datetime.timedelta(days=1)))
    (late,) = mail.outbox
    assert late.to == [world.relais_a.email] and late.subject == "Action en retard : Réparer l'éclairage"
    assert "devait être menée pour le" in late.body


def test_an_action_needs_an_owner_of_the_organisation(world):
    reunion = plan(world)
    outsider = RelaisFactory(organisation=world.org_b)
    with pytest.raises(ValidationError, match="n'appartient pas"):
        services.action_add(reunion=reunion, by=None, title="x", owner=outsider, due_on=timezone.localdate())
    with pytest.raises(ValidationError, match="ne fait pas partie"):
        services.action_add(reunion=reunion, by=None, title="x", owner=world.staff_b, due_on=timezone.localdate())
    assert not ActionItem.objects.exists()


def test_an_unknown_owner_in_the_form_gets_a_french_message(world, login):
    reunion = plan(world)
    client = login(world.staff_a)
    for owner in ["", "r-999999", f"u-{world.staff_b.pk}", "x"]:
        response = client.post(
            f"/reunions/{reunion.pk}/actions/nouvelle/",
            {"title": "Relancer", "owner": owner, "due_on": "2026-12-01"},
        )
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in text(response) or "Ce champ est obligatoire" in text(response)
    assert not ActionItem.objects.exists()


def test_only_open_actions_of_the_previous_meetings_are_carried_over(world):
    first = plan(world, days=-60)
    due = timezone.localdate() + datetime.timedelta(days=5)
    done = services.action_add(reunion=first, by=None, title="Faite", owner=world.relais_a, due_on=due)
    still_open = services.action_add(reunion=first, by=None, title="Toujours ouverte", owner=world.relais_a, due_on=due)
    services.action_set_status(action=done, status="faite")
    second = plan(world, days=-30, previous=first)
    added = services.action_add(reunion=second, by=None, title="Nouvelle", owner=world.staff_a, due_on=due)
    third = plan(world, days=10, previous=second)
    # An action still open follows from meeting to meeting until it is closed.
    assert [i.action for i in third.agenda_items.all()] == [still_open, added]


# Reminder offsets


def test_an_admin_changes_the_reminder_offsets_and_upcoming_meetings_follow(world, login):
    reunion = plan(world, days=30)
    services.invitations_send(reunion=reunion, by=None, relais=[world.relais_a])
    client = login(world.admin_a)
    assert 'value="7, 1"' in client.get("/reunions/rappels/").content.decode()

    response = client.post("/reunions/rappels/", {"days": "sept"})
    assert "Écrivez des nombres de jours" in text(response)
    response = client.post("/reunions/rappels/", {"days": "0, 90"})
    assert "entre 1 et 60 jours" in text(response)
    assert set(
        Message.objects.filter(state="en_attente", kind__startswith="rappel").values_list("kind", flat=True)
    ) == {
        "rappel-j7",
        "rappel-j1",
    }

    assert client.post("/reunions/rappels/", {"days": "14; 2"}).status_code == 302
    pending = Message.objects.filter(state="en_attente", kind__startswith="rappel")
    assert {(m.kind, m.scheduled_for) for m in pending} == {
        ("rappel-j14", reunion.starts_at - datetime.timedelta(days=14)),
        ("rappel-j2", reunion.starts_at - datetime.timedelta(days=2)),
    }
    dispatch(now=reunion.starts_at - datetime.timedelta(days=14))
    dispatch(now=reunion.starts_at - datetime.timedelta(days=2))
    assert [m.subject for m in mail.outbox if m.subject.startswith("Dans")] == [
        "Dans 14 jours : Chauffage",
        "Dans 2 jours : Chauffage",
    ]
    assert login(world.staff_a).get("/reunions/rappels/").status_code == 403


# Failures are visible


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("Connexion refusée par smtp.example.test")


def test_a_failing_mail_server_is_retried_and_shown_on_the_meeting_page(world, login, settings):
    reunion = plan(world)
    settings.EMAIL_BACKEND = "tests.reunions.test_followup.BrokenMailServer"
    services.invitations_send(reunion=reunion, by=None, relais=[world.relais_a])
    dispatch(now=timezone.now())
    message = Message.objects.get(kind="convocation")
    assert message.state == "en_attente" and message.attempts == 1
    page = text(login(world.staff_a).get(f"/reunions/{reunion.pk}/"))
    assert "Messages non distribués (1)" in page
    assert "Connexion refusée par smtp.example.test" in page and "En nouvel essai le" in page
    Message.objects.filter(pk=message.pk).update(state="echec", attempts=6)
    assert "Échec définitif" in text(login(world.staff_a).get(f"/reunions/{reunion.pk}/"))


# The relais' space


def test_a_relais_answers_from_their_space(world, login):
    reunion = plan(world)
    services.invitations_send(reunion=reunion, by=None, relais=[world.relais_a, world.relais_a2])
    client = login(world.relais_user_a)
    page = text(client.get("/reunions/mes-reunions/"))
    assert "Chauffage" in page and "Serez-vous là ?" in page
    mine = Invitee.objects.get(relais=world.relais_a)
    theirs = Invitee.objects.get(relais=world.relais_a2)
    client.post("/reunions/mes-reunions/", {"invitee": mine.pk, "answer": "peut_etre"})
    assert "Votre réponse : peut-être" in text(client.get("/reunions/mes-reunions/"))
    response = client.post("/reunions/mes-reunions/", {"invitee": theirs.pk, "answer": "absent"}, follow=True)
    assert "n'existe pas ou n'est plus ouverte" in text(response)
    theirs.refresh_from_db()
    assert theirs.answer == ""


# Calendars


def test_the_personal_calendar_feed_lists_my_meetings_and_can_be_revoked(world, login):
    mine = plan(world, title="Ma réunion")
    plan(world, title="Pas pour moi")
    services.invitations_send(reunion=mine, by=None, relais=[world.relais_a])
    cancelled = plan(world, days=25, title="Annulée")
    services.invitations_send(reunion=cancelled, by=None, relais=[world.relais_a])
    services.reunion_cancel(reunion=cancelled, by=None)

    client = login(world.relais_user_a)
    assert "Créer mon adresse d'agenda" in text(client.get("/reunions/agenda/"))
    client.post("/reunions/agenda/", {"renew": "1"})
    page = client.get("/reunions/agenda/").content.decode()
    path = re.search(r'value="http://testserver(/reunions/agenda/[^"]+\.ics)"', page).group(1)

    client.logout()  # the secret address needs no login
    response = client.get(path)
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Ma réunion", "Annulée"}
    assert str(events["Annulée"]["STATUS"]) == "CANCELLED" and events["Annulée"]["SEQUENCE"] == 1
    assert str(events["Ma réunion"]["UID"]) == f"{mine.uid}@traitdunion.local"

    client = login(world.relais_user_a)
    client.post("/reunions/agenda/", {"renew": "1"})
    assert client.get(path).status_code == 404  # the old address is revoked
    page = client.get("/reunions/agenda/").content.decode()
    new_path = re.search(r'value="http://testserver(/reunions/agenda/[^"]+\.ics)"', page).group(1)
    assert new_path != path and client.get(new_path).status_code == 200
    # Leaving the organisation kills the address.
    Membership.objects.filter(user=world.relais_user_a).delete()
    assert client.get(new_path).status_code == 404


# Minutes


def test_the_minutes_link_tells_when_it_is_forged_or_not_published(world, client):
    reunion = plan(world, days=-1)
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    token = services.minutes_token(invitee)
    response = client.get(f"/reunions/compte-rendu/{token}/")
    assert response.status_code == 400 and "Ce compte-rendu n'est pas disponible" in text(response)
    with pytest.raises(ValidationError, match="Écrivez le compte-rendu"):
        services.minutes_publish(reunion=reunion, by=None)
    services.minutes_save(reunion=reunion, agenda="", minutes="Tout va bien.", decisions="")
    services.minutes_publish(reunion=reunion, by=None)
    assert "Tout va bien." in text(client.get(f"/reunions/compte-rendu/{token}/"))
    response = client.get(f"/reunions/compte-rendu/{token[:-2]}xx/")
    assert response.status_code == 400 and "Ce lien n'est pas valide" in text(response)
    rsvp_token = services.rsvp_token(invitee)  # another link's signature does not open the minutes
    assert client.get(f"/reunions/compte-rendu/{rsvp_token}/").status_code == 400


def test_minutes_of_a_meeting_to_come_cannot_be_published(world):
    reunion = plan(world, days=3)
    services.minutes_save(reunion=reunion, agenda="Accueil", minutes="Brouillon", decisions="")
    with pytest.raises(ValidationError, match="pas encore eu lieu"):
        services.minutes_publish(reunion=reunion, by=None)
    assert Reunion.objects.get(pk=reunion.pk).minutes_published_at is None


def test_saving_the_minutes_keeps_the_carried_actions_and_replaces_the_typed_lines(world):
    first = plan(world, days=-30)
    action = services.action_add(
        reunion=first, by=None, title="Afficher", owner=world.relais_a, due_on=timezone.localdate()
    )
    second = plan(world, days=-1, previous=first)
    services.minutes_save(reunion=second, agenda="- Accueil\n\n• Budget", minutes="x", decisions="Un\nDeux")
    services.minutes_save(reunion=second, agenda="Accueil\nBudget\nDivers", minutes="x", decisions="Un")
    assert [(i.title.split(" (")[0], i.action) for i in second.agenda_items.all()] == [
        ("Suivi : Afficher", action),
        ("Accueil", None),
        ("Budget", None),
        ("Divers", None),
    ]
    assert [d.text for d in second.decisions.all()] == ["Un"]


def test_round_table_refuses_a_contribution_without_residence_or_text(world, login):
    reunion = plan(world, days=-1)
    client = login(world.staff_a)
    response = client.post(
        f"/remontees/reunion/{reunion.pk}/tour-de-table/",
        {"nature": "difficulte", "theme": world.org_a.remontee_themes.first().pk},
    )
    page = text(response)
    assert "Choisissez la résidence concernée" in page and "Ce champ est obligatoire" in page
    assert not Remontee.objects.exists()


@pytest.mark.parametrize("page", ["minutes", "round_table", "my_reunions", "feed", "public"])
def test_the_new_pages_run_a_constant_number_of_queries(world, login, page):
    reunion = plan(world, days=-1)
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    services.minutes_save(reunion=reunion, agenda="", minutes="Compte-rendu", decisions="")
    services.minutes_publish(reunion=reunion, by=None)
    client = login(world.relais_user_a if page in ("my_reunions", "feed") else world.staff_a)
    feed = services.calendar_feed_renew(user=world.relais_user_a, organisation=world.org_a)
    url = {
        "minutes": f"/reunions/{reunion.pk}/compte-rendu/",
        "round_table": f"/remontees/reunion/{reunion.pk}/tour-de-table/",
        "my_reunions": "/reunions/mes-reunions/",
        "feed": f"/reunions/agenda/{feed.token}.ics",
        "public": f"/reunions/compte-rendu/{services.minutes_token(invitee)}/",
    }[page]

    def grow(first, last):
        for i in range(first, last):
            relais = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1])
            due = timezone.localdate() + datetime.timedelta(days=i + 1)
            services.action_add(reunion=reunion, by=None, title=f"Action {i}", owner=relais, due_on=due)
            RemonteeFactory(
                residence=world.residence_a1,
                relais=relais,
                theme=world.org_a.remontee_themes.first(),
                description=f"Remontée {i}",
                source="reunion",
                reunion=reunion,
            )
            later = plan(world, days=i + 1, title=f"Réunion {i}")
            InviteeFactory(reunion=later, relais=world.relais_a)
        services.minutes_save(
            reunion=reunion,
            agenda="\n".join(f"Point {i}" for i in range(last * 2)),
            minutes="Compte-rendu",
            decisions="\n".join(f"Décision {i}" for i in range(last * 2)),
        )

    response = same_queries_for_few_and_many(client, url, grow, 3, 20)
    assert response.status_code == 200
    body = response.content.decode()
    expected = {"minutes": "Action 19", "round_table": "Remontée 19", "my_reunions": "Réunion 19", "feed": "Réunion 19"}
    assert expected.get(page, "Action 19") in body


def test_the_answers_section_refreshes_from_its_own_fragment(world, login, client):
    reunion = plan(world)
    services.invitations_send(reunion=reunion, by=None, relais=[world.relais_a, world.relais_a2])
    staff = login(world.staff_a)
    page = staff.get(f"/reunions/{reunion.pk}/").content.decode()
    assert f'data-live="/reunions/{reunion.pk}/presences/liste/"' in page
    assert "2 sans réponse" in text(staff.get(f"/reunions/{reunion.pk}/presences/liste/"))
    invitee = Invitee.objects.get(relais=world.relais_a)
    client.post(f"/reunions/reponse/{services.rsvp_token(invitee)}/", {"answer": "present"})
    fragment = staff.get(f"/reunions/{reunion.pk}/presences/liste/")
    assert fragment.content.decode().startswith('<section class="card" id="presences"')
    assert "(2) : 1 annonce sa présence, 0 peut-être, 0 absent·e, 1 sans réponse" in text(fragment)
