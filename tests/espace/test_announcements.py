"""Announcements: staff write to all relais, a quartier, a residence or the
invitees of a series, confirm, and each relais gets it by their consented
channel (e-mail with its attachments, a short transliterated SMS with a short
link, or the printable list for paper); it stays on their home until read."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import Message
from core.outbox import dispatch
from espace import services
from espace.messages import SMS_LIMIT, gsm_text, sms_body
from espace.models import Announcement, AnnouncementAttachment, AnnouncementRecipient
from relais.models import Relais
from reunions import services as reunion_services
from tests.factories import InviteeFactory, RelaisFactory
from tests.helpers import jpeg, same_queries_for_few_and_many, text
from tests.relais.test_outbox import RecordingSMS

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def draft(world, by=None, title="T", body="B", **target):
    """A draft through the service, to all relais unless `target` says otherwise."""
    target = target or {"audience": "tous"}
    return services.announcement_draft(
        organisation=world.org_a, by=by or world.staff_a, title=title, body=body, attachments=[], **target
    )


def compose(client, **fields):
    data = {"title": "Fête des voisins", "body": "Rendez-vous le 5 juin à 18 h dans la cour.", "audience": "tous"}
    return client.post("/espace/annonces/nouvelle/", {**data, **fields})


def test_staff_write_confirm_and_each_relais_gets_it_by_their_channel(world, login, settings):
    settings.SMS_BACKEND = "tests.relais.test_outbox.RecordingSMS"
    RecordingSMS.sent.clear()
    by_sms = RelaisFactory(
        organisation=world.org_a,
        first_name="Sami",
        phone="06 12 34 56 78",
        preferred_channel="sms",
        residences=[world.residence_a1],
    )
    on_paper = RelaisFactory(
        organisation=world.org_a, first_name="Odette", preferred_channel="papier", residences=[world.residence_a1]
    )
    staff = login(world.staff_a)
    response = compose(
        staff,
        piece_1=SimpleUploadedFile("programme.pdf", PDF, content_type="application/pdf"),
        piece_2=SimpleUploadedFile("affiche.png", jpeg(), content_type="image/png"),
    )
    announcement = Announcement.objects.get()
    assert response.status_code == 302 and announcement.sent_at is None
    # The confirmation says how many it goes to; nothing has left yet.
    page = text(staff.get(f"/espace/annonces/{announcement.pk}/"))
    assert "Cette annonce partira à 4 relais." in page and "Envoyer à 4 relais" in page
    assert not Message.objects.exists() and not AnnouncementRecipient.objects.exists()

    response = staff.post(f"/espace/annonces/{announcement.pk}/envoyer/", follow=True)
    assert "L'annonce est envoyée à 4 relais : 2 par e-mail, 1 par SMS, 1 sur papier." in text(response)
    dispatch(now=timezone.now())
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.relais_a.email, world.relais_a2.email])
    email = mail.outbox[0]
    assert email.subject == "Habitat A : Fête des voisins" and "Rendez-vous le 5 juin" in email.body
    assert [(name, kind) for name, _, kind in email.attachments] == [
        ("programme.pdf", "application/pdf"),
        ("affiche.jpg", "image/jpeg"),
    ]
    [(to, sms, _)] = RecordingSMS.sent
    assert to == by_sms.phone and len(sms) <= SMS_LIMIT and sms == gsm_text(sms)
    assert f"/espace/a/{announcement.token}/" in sms and "Fete des voisins" in sms
    paper = text(staff.get(f"/espace/annonces/{announcement.pk}/papier/"))
    assert "À remettre sur papier (1)" in paper and on_paper.last_name in paper and by_sms.last_name not in paper
    # Sending twice sends nothing more.
    again = staff.post(f"/espace/annonces/{announcement.pk}/envoyer/", follow=True)
    assert "déjà envoyée" in text(again)
    assert AnnouncementRecipient.objects.count() == 4 and Message.objects.count() == 3


def test_a_relais_sees_it_on_the_home_until_they_read_it(world, login):
    announcement = draft(world, title="Coupure d'eau", body="Mardi matin.")
    services.announcement_send(announcement=announcement, by=world.staff_a)
    client = login(world.relais_user_a)
    home = text(client.get("/espace/"))
    assert "Annonces de l'équipe" in home and "Coupure d'eau" in home
    # The short link of the SMS opens it.
    assert client.get(f"/espace/a/{announcement.token}/")["Location"] == f"/espace/annonces/{announcement.pk}/"
    assert "Mardi matin." in text(client.get(f"/espace/annonces/{announcement.pk}/"))
    response = client.post(f"/espace/annonces/{announcement.pk}/lue/", {"next": "espace"}, follow=True)
    assert "« Coupure d'eau » est marquée comme lue." in text(response)
    assert "Annonces de l'équipe" not in text(client.get("/espace/"))
    assert "Coupure d'eau" in text(client.get("/espace/annonces/"))


def test_audiences_quartier_residence_and_series(world):
    def reached(**target):
        announcement = draft(world, **target)
        services.announcement_send(announcement=announcement, by=world.staff_a)
        return set(announcement.recipients.values_list("relais_id", flat=True))

    assert reached(audience="quartier", quartier=world.q2) == {world.relais_a2.pk}
    assert reached(audience="residence", residence=world.residence_a1) == {world.relais_a.pk}
    start = timezone.now() + datetime.timedelta(days=10)
    series = reunion_services.series_plan(
        organisation=world.org_a,
        by=None,
        kind="thematique",
        title="Cycle propreté",
        occurrences=[(start, start + datetime.timedelta(hours=2))],
        address="Mairie",
    )
    InviteeFactory(reunion=series.reunions.get(), relais=world.relais_a2)
    assert reached(audience="serie", series=series) == {world.relais_a2.pk}


def test_agency_staff_reach_their_quartiers_only(world):
    announcement = draft(world, by=world.agency_a)
    services.announcement_send(announcement=announcement, by=world.agency_a)
    assert list(announcement.recipients.values_list("relais_id", flat=True)) == [world.relais_a.pk]


def test_an_announcement_to_nobody_is_refused_and_writes_nothing(world, login):
    empty = world.residence_a1.__class__.objects.create(organisation=world.org_a, quartier=world.q1, name="Vide")
    staff = login(world.staff_a)
    response = compose(staff, audience="residence", residence=empty.pk)
    assert response.status_code == 200
    assert "Cette annonce ne toucherait personne" in text(response)
    response = compose(staff, audience="quartier")
    assert "Choisissez-le dans la liste." in text(response)
    assert not Announcement.objects.exists() and not AnnouncementAttachment.objects.exists()
    # Nobody left between writing and confirming: refused too, nothing sent.
    announcement = draft(world, audience="residence", residence=world.residence_a1)
    Relais.objects.filter(pk=world.relais_a.pk).update(status="pause")
    response = staff.post(f"/espace/annonces/{announcement.pk}/envoyer/", follow=True)
    assert "Cette annonce ne toucherait personne" in text(response)
    announcement.refresh_from_db()
    assert announcement.sent_at is None and not Message.objects.exists()


def test_an_attachment_that_is_neither_a_pdf_nor_a_photo_is_refused(world, login):
    response = compose(
        login(world.staff_a), piece_1=SimpleUploadedFile("virus.pdf.exe", b"MZ\x90\x00", content_type="application/pdf")
    )
    assert "Une pièce jointe doit être un PDF ou une photo" in text(response)
    assert not Announcement.objects.exists()


def test_attachments_are_read_by_recipients_only(world, login):
    announcement = draft(world, audience="residence", residence=world.residence_a2)
    row = AnnouncementAttachment.objects.create(
        announcement=announcement, name="plan.pdf", content_type="application/pdf"
    )
    row.file.save("plan.pdf", SimpleUploadedFile("plan.pdf", PDF))
    services.announcement_send(announcement=announcement, by=world.staff_a)
    # relais_a (residence 1) is not a recipient.
    client = login(world.relais_user_a)
    assert client.get(f"/espace/annonces/pieces/{row.pk}/").status_code == 404
    assert client.get(f"/espace/annonces/{announcement.pk}/").status_code == 404
    assert client.get(f"/espace/a/{announcement.token}/").status_code == 404
    assert login(world.staff_a).get(f"/espace/annonces/pieces/{row.pk}/").status_code == 200


def test_sms_text_is_gsm_and_fits_one_part():
    assert gsm_text("Réunion « fête » à l’école — œuvre…") == 'Reunion " fete " a l\'ecole - oeuvre...'
    assert gsm_text("crochets [x] {y} ~ ^ | \\ `") == "crochets x y"

    class Org:
        name = "Office public de l'habitat de la Métropole"

    class Long:
        organisation = Org()
        title = "Très longue annonce " * 20
        token = "Ab3dE5fG"

    body = sms_body(Long())
    assert len(body) <= SMS_LIMIT and body.endswith("/espace/a/Ab3dE5fG/") and "..." in body


def test_announcement_pages_run_a_constant_number_of_queries(world, login):
    def grow(first, last):
        for i in range(first, last):
            RelaisFactory(organisation=world.org_a, residences=[world.residence_a1], preferred_channel="papier")
            announcement = draft(world, title=f"Annonce {i}")
            services.announcement_send(announcement=announcement, by=world.staff_a)

    staff = login(world.staff_a)
    same_queries_for_few_and_many(staff, "/espace/annonces/", grow, 3, 12)
    relais = login(world.relais_user_a)
    same_queries_for_few_and_many(relais, "/espace/annonces/", lambda a, b: grow(a + 100, b + 100), 3, 12)
    last = Announcement.objects.order_by("-pk").first()

    def on_paper(first, last_index):
        for _ in range(first, last_index):
            person = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1, world.residence_a2])
            AnnouncementRecipient.objects.create(announcement=last, relais=person, channel="papier")

    page = same_queries_for_few_and_many(staff, f"/espace/annonces/{last.pk}/papier/", on_paper, 3, 12)
    assert "À remettre sur papier (" in text(page)
