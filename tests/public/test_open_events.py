"""Events open to all: a neighbour says they will come without an account,
the organisers see who and how many, the names go the day after the event."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Message
from core.outbox import dispatch
from initiatives import services as initiatives_services
from initiatives.models import NeighbourAttendance as Attendance
from privacy.services import apply_retention
from tests.db_writes import DataWrites
from tests.factories import InitiativeFactory
from vitrine import antispam

pytestmark = pytest.mark.django_db


def token(org, age=10.0):
    return signing.dumps({"o": org.pk, "t": time.time() - age, "n": f"n{time.time_ns()}"}, salt=antispam.SALT)


def url(initiative, slug="habitat-a"):
    return reverse("public:event", args=[slug, initiative.pk])


def test_a_neighbour_says_they_will_come_and_the_organisers_see_it(world, event, login):
    page = Client().get(reverse("public:page", args=["habitat-a"])).content.decode()
    assert url(event) in page
    response = Client().post(
        url(event), {"name": "Mamie Jo", "household": "3", "website": "", "token": token(world.org_a)}
    )
    assert response.status_code == 302
    assert Attendance.objects.get().household == 3
    settings = login(world.admin_a).get(reverse("public:settings")).content.decode()
    assert "Pique-nique du lac" in settings and "3 personnes annoncées" in settings and "Mamie Jo (3)" in settings


def test_an_event_says_where_and_on_which_days(world, event, login):
    event.place = "Cour de la résidence"
    event.ends_on = event.starts_on + datetime.timedelta(days=1)
    event.save()
    event.residences.add(world.residence_a1)
    body = Client().get(url(event)).content.decode().replace("&#x27;", "'")
    assert "Cour de la résidence · Les Tilleuls" in body
    assert f"au {event.ends_on.day} " in body and body.count("Du ") >= 1
    page = Client().get(reverse("public:page", args=["habitat-a"])).content.decode()
    assert "Cour de la résidence · Les Tilleuls" in page


def test_refused_answers_write_nothing(world, event):
    for data, words in (
        ({"name": "Robot", "household": "1", "website": "x", "token": token(world.org_a)}, "pas pu être enregistré"),
        ({"name": "Vite", "household": "1", "website": "", "token": token(world.org_a, age=0)}, "trop vite"),
        ({"name": "Foule", "household": "500", "website": "", "token": token(world.org_a)}, "20"),
    ):
        with DataWrites() as writes:
            response = Client().post(url(event), data)
        assert response.status_code == 200 and words in response.content.decode().replace("&#x27;", "'")
        assert not writes, writes.summary()
    assert not Attendance.objects.exists()


def test_only_published_upcoming_events_have_a_page(world, event):
    hidden = InitiativeFactory(organisation=world.org_a, starts_on=timezone.localdate() + datetime.timedelta(days=4))
    assert Client().get(url(event)).status_code == 200
    assert Client().get(url(hidden)).status_code == 404
    assert Client().get(url(event, slug="habitat-b")).status_code == 404


def test_the_names_and_addresses_go_the_day_after_the_event_and_the_count_stays(world, event):
    initiatives_services.neighbour_attendance_add(
        initiative=event, name="Mamie Jo", household=2, remind_to="mamie.jo@example.test"
    )
    dispatch(now=initiatives_services.neighbour_reminder_at(event.starts_on))
    today = timezone.localdate()
    # The day of the event: the name and the address are still there.
    event.starts_on = today
    event.save()
    apply_retention(world.org_a, today)
    assert list(Attendance.objects.values_list("name", "remind_to")) == [("Mamie Jo", "mamie.jo@example.test")]
    # The day after: gone, from the row and from the outbox's copy; the household stays for the report.
    event.starts_on = today - datetime.timedelta(days=1)
    event.save()
    done = apply_retention(world.org_a, today)
    assert (done["neighbour names"], done["neighbour addresses"]) == (1, 1)
    assert list(Attendance.objects.values_list("name", "remind_to", "household")) == [("", "", 2)]
    reminder = Message.objects.get(kind=initiatives_services.NEIGHBOUR_REMINDER)
    assert (reminder.state, reminder.address) == (Message.State.SENT, "")
    assert not Message.objects.filter(address__icontains="mamie").exists()
    assert apply_retention(world.org_a, today)["neighbour names"] == 0


def test_the_count_feeds_the_initiatives_report(world, event, login):
    for name, household in (("Mamie Jo", 3), ("Karim", 1)):
        Client().post(url(event), {"name": name, "household": household, "website": "", "token": token(world.org_a)})
    event.organisers.add(world.relais_a)
    detail = reverse("initiatives:detail", args=[event.pk])
    staff_page = login(world.staff_a).get(detail).content.decode()
    assert "4 personnes annoncées" in staff_page and "Mamie Jo (3), Karim (1)" in staff_page
    # The event's organiser sees them too; a partner reads the initiative, not who comes.
    assert "Mamie Jo (3)" in login(world.relais_user_a).get(detail).content.decode()
    partner_page = login(world.partner_a).get(detail).content.decode()
    assert "annoncée" not in partner_page and "Mamie Jo" not in partner_page
    # After the event the names go, and the report starts from the count.
    event.starts_on = timezone.localdate() - datetime.timedelta(days=1)
    event.save()
    apply_retention(world.org_a, timezone.localdate())
    staff = login(world.staff_a)
    page = staff.get(detail).content.decode()
    assert "4 personnes annoncées" in page and "Mamie Jo" not in page and "noms ont été effacés" in page
    form = staff.get(reverse("initiatives:report", args=[event.pk]))
    assert form.context["form"].initial["participants"] == 4
    assert "4 personnes avaient annoncé venir (2 réponses)" in form.content.decode()


def test_the_organisers_page_counts_in_constant_queries(world, event, login, django_assert_max_num_queries):
    staff = login(world.staff_a)
    detail = reverse("initiatives:detail", args=[event.pk])
    staff.get(detail)
    Attendance.objects.create(organisation=world.org_a, initiative=event, name="Un", household=1)
    with django_assert_max_num_queries(30) as few:
        staff.get(detail)
    Attendance.objects.bulk_create(
        [Attendance(organisation=world.org_a, initiative=event, name=f"Voisin {i}", household=2) for i in range(30)]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "61 personnes annoncées" in staff.get(detail).content.decode()


def test_the_poster_of_an_event_carries_its_link(world, event, login):
    import io

    from pypdf import PdfReader

    staff = login(world.staff_a)
    response = staff.get(reverse("public:event_poster", args=[event.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Pique-nique du lac" in text and f"/p/habitat-a/rendez-vous/{event.pk}/" in text
    hidden = InitiativeFactory(organisation=world.org_a, starts_on=timezone.localdate())
    refused = staff.get(reverse("public:event_poster", args=[hidden.pk]))
    assert refused.status_code == 302 and refused["Location"] == reverse("public:settings")
    assert login(world.staff_b).get(reverse("public:event_poster", args=[event.pk])).status_code == 404


def test_ids_out_of_range_are_not_found(world, event, login):
    huge = "99999999999999999999"
    for path in (f"/p/habitat-a/photos/{huge}.jpg", f"/p/habitat-a/rendez-vous/{huge}/"):
        assert Client().get(path).status_code == 404
        assert Client().post(path, {}).status_code in (404, 405)
    staff = login(world.staff_a)
    for path in (f"/page-publique/rendez-vous/{huge}/affiche.pdf", f"/page-publique/residences/{huge}/accueil.pdf"):
        assert staff.get(path).status_code == 404
