"""Onboarding, charter, training and thanks (parcours/)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from core import integrity, outbox
from core.models import Message
from parcours import services
from parcours.models import (
    CharterSignature,
    CharterVersion,
    GuideReading,
    Milestone,
    OnboardingStep,
    TrainingModule,
    TrainingSession,
)
from parcours.selectors import my_checklist
from relais.models import ContactLog, Relais
from reunions.models import Invitee
from tests.factories import (
    ActivityFactory,
    GuideFactory,
    InitiativeFactory,
    MembershipFactory,
    RelaisFactory,
    UserFactory,
)
from tests.helpers import plan_reunion, same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def past_meeting(world, *, days_ago=5, kind="thematique", title="Réunion"):
    start = timezone.localtime(timezone.now() - days_ago * DAY).replace(hour=18, minute=0, second=0, microsecond=0)
    return plan_reunion(world, start, kind=kind, title=title, address="Maison de quartier")


def steps_done(user) -> dict[str, bool]:
    return {s.step.kind: s.done for s in my_checklist(user).states}


# The checklist advances from real events


def test_the_checklist_advances_from_what_the_relais_does(world, login):
    ContactLog.objects.all().delete()  # the world's note of an exchange
    user = world.relais_user_a
    assert steps_done(user) == dict.fromkeys(["guide", "charte", "reunion", "activite", "echange"], False)
    client = login(user)
    home = text(client.get("/espace/"))
    assert "Pour bien démarrer" in home and "Prochaine étape : Lire le guide du relais" in home

    # The guide, acknowledged on its page.
    GuideFactory(organisation=world.org_a, missions="Faire le lien.")
    assert "J'ai lu le guide" in text(client.get("/espace/guide/"))
    assert client.post("/parcours/guide-lu/").status_code == 302
    assert steps_done(user)["guide"] and "Vous avez lu le guide le" in text(client.get("/espace/guide/"))

    # Attendance ticked by staff at a meeting.
    reunion = past_meeting(world)
    invitee = Invitee.objects.create(reunion=reunion, relais=world.relais_a)
    staff = login(world.staff_a)
    staff.post(f"/reunions/{reunion.pk}/presences/", {"invitee": invitee.pk, "attended": "1"})
    assert Invitee.objects.get(pk=invitee.pk).attended is True
    assert steps_done(user)["reunion"]

    # An activity logged from the phone.
    client.post(
        "/espace/activite/",
        {"kind": "porte_a_porte", "date": timezone.localdate().isoformat(), "households": 3, "theme": "accueil"},
    )
    assert steps_done(user)["activite"]

    # An exchange recorded by staff.
    staff.post(
        f"/relais/{world.relais_a.pk}/echanges/nouveau/",
        {"kind": "appel", "date": timezone.localdate().isoformat(), "note": "Premier appel"},
    )
    assert ContactLog.objects.filter(relais=world.relais_a).exists()
    assert steps_done(user)["echange"]
    home = text(client.get("/espace/"))
    assert "Prochaine étape : Signer la charte du relais" in home
    # Nothing is copied: the facts are the records themselves.
    assert not GuideReading.objects.exclude(relais=world.relais_a).exists()


def test_the_organisation_changes_its_steps(world, login):
    staff = login(world.staff_a)
    assert "Un premier échange avec l'équipe" in text(staff.get("/parcours/etapes/"))
    staff.post("/parcours/etapes/", {"step": "echange", "action": "toggle"})
    assert OnboardingStep.objects.filter(organisation=world.org_a).count() == 5
    assert "echange" not in steps_done(world.relais_user_a)
    staff.post("/parcours/etapes/", {"label": "Visite de la résidence avec le gardien"})
    custom = OnboardingStep.objects.get(kind="autre")
    staff.post("/parcours/etapes/", {"step": custom.pk, "action": "up"})
    kinds = [s.kind for s in OnboardingStep.objects.filter(organisation=world.org_a)]
    assert kinds[-2:] == ["autre", "echange"]
    assert steps_done(world.relais_user_a)["autre"] is False
    staff.post(f"/parcours/relais/{world.relais_a.pk}/", {"step": custom.pk, "action": "tick"})
    assert steps_done(world.relais_user_a)["autre"] is True
    # Bad input: a clear message, nothing written, never a 500.
    assert staff.post("/parcours/etapes/", {"label": "  "}).status_code == 200
    assert staff.post("/parcours/etapes/", {"step": "²", "action": "toggle"}).status_code == 302
    assert staff.post("/parcours/etapes/", {"step": "99999", "action": "toggle"}).status_code == 302
    assert OnboardingStep.objects.filter(organisation=world.org_a).count() == 6
    # Another organisation's steps are not reachable.
    login(world.staff_b).post("/parcours/etapes/", {"step": custom.pk, "action": "toggle"})
    assert OnboardingStep.objects.get(pk=custom.pk).enabled


def test_staff_see_who_is_stuck_where(world, login):
    services.guide_read(relais=world.relais_a)
    staff = login(world.staff_a)
    page = text(staff.get("/parcours/?etape=charte"))
    assert "Diallo" in page and "Moreau" not in page  # relais_a read the guide, relais_a2 did not
    page = text(staff.get("/parcours/?etape=guide"))
    assert "Moreau" in page and "Diallo" not in page
    # The agency sees its quartier only.
    assert "Moreau" not in text(login(world.agency_a).get("/parcours/?etape=guide"))
    assert "Moreau" not in text(staff.get(f"/parcours/?etape=guide&quartier={world.q1.pk}"))


def test_the_board_reads_a_fixed_number_of_queries(world, login):
    staff = login(world.staff_a)

    def grow(start, end):
        for _ in range(start, end):
            relais = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1])
            services.guide_read(relais=relais)

    same_queries_for_few_and_many(staff, "/parcours/", grow, few=2, many=12)
    same_queries_for_few_and_many(staff, "/parcours/?etape=charte", lambda a, b: None, few=0, many=0)


def test_the_relais_home_stays_within_its_budget(world, login, django_assert_max_num_queries):
    client = login(world.relais_user_a)
    client.get("/espace/")
    with django_assert_max_num_queries(12):
        assert "Pour bien démarrer" in text(client.get("/espace/"))


# The charter


def test_a_new_version_of_the_charter_asks_every_relais_again(world, login):
    staff = login(world.staff_a)
    assert staff.post("/parcours/charte/publier/", {"text": "Je respecte mes voisins."}).status_code == 302
    v1 = CharterVersion.objects.get()
    relais = login(world.relais_user_a)
    page = text(relais.get("/parcours/charte/"))
    assert "Je respecte mes voisins." in page and "Je signe la charte" in page
    assert relais.post("/parcours/charte/", {"version": v1.pk}).status_code == 302
    first = CharterSignature.objects.get(version=v1, relais=world.relais_a)
    assert steps_done(world.relais_user_a)["charte"]
    assert "Vous avez signé cette version le" in text(relais.get("/parcours/charte/"))

    # The same text again is refused; a changed text is version 2.
    assert "celui de la version en vigueur" in text(
        staff.post("/parcours/charte/publier/", {"text": "Je respecte mes voisins."})
    )
    staff.post("/parcours/charte/publier/", {"text": "Je respecte mes voisins.\nJe préviens si je pars."})
    v2 = CharterVersion.objects.get(number=2)
    assert not steps_done(world.relais_user_a)["charte"]  # asked again
    page = text(relais.get("/parcours/charte/"))
    assert "La charte a changé depuis que vous l'avez signée (version 1" in page
    # Signing the old version again is refused; the new one is signed, the first date kept.
    relais.post("/parcours/charte/", {"version": v1.pk})
    assert CharterSignature.objects.filter(relais=world.relais_a).count() == 1
    relais.post("/parcours/charte/", {"version": v2.pk})
    assert steps_done(world.relais_user_a)["charte"]
    assert CharterSignature.objects.filter(relais=world.relais_a).count() == 2
    assert CharterSignature.objects.get(pk=first.pk).signed_at == first.signed_at
    # Staff see the versions and how many signed each; partners read the text only.
    assert "Versions et signatures" in text(staff.get("/parcours/charte/"))
    partner = text(login(world.partner_a).get("/parcours/charte/"))
    assert "Je préviens si je pars." in partner and "Versions et signatures" not in partner
    assert login(world.partner_a).post("/parcours/charte/", {"version": v2.pk}).status_code == 403


def test_a_signature_before_its_version_was_published_is_an_impossible_history(world):
    version = services.charter_publish(organisation=world.org_a, text="Charte", by=world.staff_a)
    CharterSignature.objects.create(version=version, relais=world.relais_a, signed_at=version.published_at - DAY)
    kinds = [p.kind for p in integrity.run(world.org_a)]
    assert "parcours.signature_avant_publication" in kinds


def test_the_guide_shows_the_charter_in_force(world, login):
    GuideFactory(organisation=world.org_a, missions="Faire le lien.")
    services.charter_publish(organisation=world.org_a, text="Discrétion sur ce que disent les voisins.", by=None)
    page = text(login(world.relais_user_a).get("/espace/guide/"))
    assert "La charte du relais Discrétion sur ce que disent les voisins." in page and "Signer la charte" in page


# Training


def training(world, *, days_ago=3, path_position=1, title="Le rôle du relais"):
    module = TrainingModule.objects.create(
        organisation=world.org_a,
        title=title,
        objectives="Connaître les limites du rôle.\nSavoir qui appeler.",
        duration_minutes=150,
        path_position=path_position,
    )
    reunion = past_meeting(world, days_ago=days_ago, kind="formation", title=f"Formation : {title}")
    session = services.session_link(module=module, reunion=reunion)
    Invitee.objects.create(reunion=reunion, relais=world.relais_a, attended=True)
    return module, session


def test_a_session_is_a_meeting_of_kind_formation(world, login):
    module = TrainingModule.objects.create(organisation=world.org_a, title="Écrire un courrier", duration_minutes=90)
    thematic = past_meeting(world)
    with pytest.raises(ValidationError):
        services.session_link(module=module, reunion=thematic)
    formation = past_meeting(world, kind="formation", title="Formation courrier")
    staff = login(world.staff_a)
    assert "Formation courrier" in text(staff.get(f"/parcours/formations/{module.pk}/session/"))
    staff.post(f"/parcours/formations/{module.pk}/session/", {"reunion": formation.pk})
    assert TrainingSession.objects.get().reunion == formation
    # Held once its day has passed (not cancelled), minutes or not.
    assert "1 tenue sur 1" in text(staff.get("/parcours/formations/"))
    assert "Tenue" in text(staff.get(f"/parcours/formations/{module.pk}/"))
    # A meeting is one session only.
    with pytest.raises(ValidationError):
        services.session_link(module=module, reunion=formation)


def test_the_training_record_and_the_path_come_from_attendance(world, login):
    module, _ = training(world, path_position=1)
    second = TrainingModule.objects.create(organisation=world.org_a, title="Les écrits utiles", path_position=2)
    client = login(world.relais_user_a)
    page = text(client.get("/parcours/mes-formations/"))
    assert "Le rôle du relais — suivie le" in page and "Les écrits utiles — à suivre" in page
    assert "Attestation de présence (PDF)" in page and "2 h de formation au total" in page.replace("\xa0", " ")
    reunion = past_meeting(world, days_ago=1, kind="formation", title="Écrits")
    services.session_link(module=second, reunion=reunion)
    Invitee.objects.create(reunion=reunion, relais=world.relais_a, attended=True)
    assert "Parcours terminé le" in text(client.get("/parcours/mes-formations/"))


def test_the_certificate_of_a_session_read_back(world, login):
    world.staff_a.first_name, world.staff_a.last_name = "Claire", "Fontaine"
    world.staff_a.save()
    module, session = training(world)
    session.reunion.organiser = world.staff_a
    session.reunion.save()
    response = login(world.relais_user_a).get(f"/parcours/sessions/{session.pk}/attestation/")
    assert response["Content-Type"] == "application/pdf"
    body = " ".join(pdf_text(response.content).replace("\xa0", " ").split())
    assert "Attestation de présence à une formation" in body
    assert world.relais_a.first_name in body and "Diallo" in body
    assert "Le rôle du relais" in body and "Durée 2 h" in body and "Habitat A" in body
    assert "Claire Fontaine" in body and "Savoir qui appeler." in body
    day = timezone.localdate(session.reunion.starts_at)
    from django.utils import formats

    assert formats.date_format(day, "j F Y") in body
    # Staff download it too; someone absent has none; another relais' is not theirs.
    staff = login(world.staff_a)
    assert staff.get(f"/parcours/sessions/{session.pk}/attestation/{world.relais_a.pk}/").status_code == 200
    assert staff.get(f"/parcours/sessions/{session.pk}/attestation/{world.relais_a2.pk}/").status_code == 404
    assert login(world.staff_b).get(f"/parcours/sessions/{session.pk}/attestation/").status_code == 403


def test_a_material_is_a_link_or_a_checked_pdf(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    module = TrainingModule.objects.create(organisation=world.org_a, title="Accueillir", duration_minutes=60)
    staff = login(world.staff_a)
    url = f"/parcours/formations/{module.pk}/support/"
    fake = SimpleUploadedFile("livret.pdf", b"<html>pas un pdf</html>", content_type="application/pdf")
    assert "Une pièce jointe doit être un PDF ou une photo" in text(staff.post(url, {"title": "Livret", "file": fake}))
    assert "l'un ou l'autre" in text(staff.post(url, {"title": "Rien"}))
    pdf = SimpleUploadedFile("livret.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert staff.post(url, {"title": "Livret d'accueil", "file": pdf}).status_code == 302
    staff.post(url, {"title": "Vidéo", "url": "https://exemple.test/video"})
    material = module.materials.get(title="Livret d'accueil")
    page = text(login(world.relais_user_a).get(f"/parcours/formations/{module.pk}/"))
    assert "Livret d'accueil (PDF)" in page and "Vidéo" in page
    assert login(world.relais_user_a).get(f"/parcours/supports/{material.pk}/").status_code == 200


# Thanks and milestones


def test_milestones_are_prepared_once(world):
    today = timezone.localdate()
    relais = world.relais_a
    Relais.objects.filter(pk=relais.pk).update(status="actif", started_on=today - 370 * DAY)
    for n in range(10):
        ActivityFactory(relais=relais, date=today - (20 - n) * DAY)
    initiative = InitiativeFactory(organisation=world.org_a, status="realisee", starts_on=today - 3 * DAY)
    initiative.organisers.add(relais)
    module, _ = training(world)
    assert services.milestones_prepare(organisation=world.org_a, today=today) == 4
    assert set(Milestone.objects.values_list("kind", flat=True)) == {
        "un_an",
        "dix_activites",
        "premiere_initiative",
        "parcours",
    }
    tenth = Milestone.objects.get(kind="dix_activites")
    assert tenth.reached_on == today - 11 * DAY and tenth.body.startswith(f"Bonjour {relais.first_name},")
    # A second run, or the beat task, prepares nothing more.
    assert services.milestones_prepare(organisation=world.org_a, today=today) == 0
    from parcours.tasks import prepare_milestones

    assert prepare_milestones() == 0 and Milestone.objects.count() == 4
    # The database refuses a second one for the same relais and kind.
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(
            organisation=world.org_a, relais=relais, kind="un_an", reached_on=today, body="Encore merci"
        )


def test_an_old_milestone_is_not_noticed_late(world):
    today = timezone.localdate()
    Relais.objects.filter(pk=world.relais_a.pk).update(status="actif", started_on=today - 800 * DAY)
    assert services.milestones_prepare(organisation=world.org_a, today=today) == 0


def prepared(world):
    today = timezone.localdate()
    Relais.objects.filter(pk=world.relais_a.pk).update(status="actif", started_on=today - 366 * DAY)
    world.relais_a.refresh_from_db()
    services.milestones_prepare(organisation=world.org_a, today=today)
    return Milestone.objects.get()


def test_a_thank_you_is_edited_then_sent_once(world, login, django_capture_on_commit_callbacks):
    milestone = prepared(world)
    staff = login(world.staff_a)
    assert "Un an comme relais" in text(staff.get("/parcours/remerciements/"))
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/parcours/remerciements/{milestone.pk}/",
            {"body": "Bonjour, merci pour cette première année !", "action": "send"},
        )
    milestone.refresh_from_db()
    assert milestone.state == "envoye" and milestone.sent_at and milestone.sent_by == world.staff_a
    assert milestone.body == "Bonjour, merci pour cette première année !"
    sent = Message.objects.filter(kind="remerciement")
    assert sent.count() == 1 and milestone.message == sent.get()
    # A second click (another tab) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/parcours/remerciements/{milestone.pk}/", {"body": "Encore", "action": "send"})
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        services.milestone_send(milestone=milestone, by=world.staff_a)
    assert Message.objects.filter(kind="remerciement").count() == sent.count()
    milestone.refresh_from_db()
    assert milestone.body == "Bonjour, merci pour cette première année !"
    # The database refuses a sent milestone without its date.
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(sent_at=None)


def test_the_outbox_sends_the_thank_you_once(world):
    milestone = prepared(world)
    milestone = services.milestone_send(milestone=milestone, by=world.staff_a)
    assert milestone.message.channel == "email"  # the world's relais consented to every channel
    outbox.message_send(milestone.message_id)
    outbox.message_send(milestone.message_id)
    thanks = [m for m in mail.outbox if m.subject.startswith("Merci")]
    assert len(thanks) == 1 and "Il y a un an" in thanks[0].body


def test_milestones_are_shown_to_staff_only(world, login):
    milestone = prepared(world)
    assert login(world.relais_user_a).get("/parcours/remerciements/").status_code == 403
    assert login(world.partner_a).get(f"/parcours/remerciements/{milestone.pk}/").status_code == 403
    assert login(world.staff_b).get(f"/parcours/remerciements/{milestone.pk}/").status_code == 404
    other = UserFactory(email="voisin@a.test")
    RelaisFactory(organisation=world.org_a, user=other, residences=[world.residence_a1])
    MembershipFactory(user=other, organisation=world.org_a, role="relais")
    page = text(login(other).get("/espace/annuaire/"))
    assert "Un an comme relais" not in page


def test_the_milestone_list_reads_a_fixed_number_of_queries(world, login):
    staff = login(world.staff_a)
    today = timezone.localdate()

    def grow(start, end):
        for _ in range(start, end):
            relais = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1])
            Milestone.objects.create(
                organisation=world.org_a, relais=relais, kind="un_an", reached_on=today, body="Merci"
            )

    same_queries_for_few_and_many(staff, "/parcours/remerciements/", grow, few=2, many=12)


def test_a_thank_you_waiting_is_in_the_inbox_until_sent(world, login):
    milestone = prepared(world)
    staff = login(world.staff_a)
    page = staff.get("/a-traiter/").content.decode()
    assert "Remerciements à envoyer" in page and f"/parcours/remerciements/{milestone.pk}/" in page
    services.milestone_send(milestone=milestone, by=world.staff_a)
    assert f"/parcours/remerciements/{milestone.pk}/" not in staff.get("/a-traiter/").content.decode()


def test_an_erased_relais_keeps_no_thank_you_and_none_is_sent(world):
    from privacy import services as privacy_services

    milestone = prepared(world)
    services.guide_read(relais=world.relais_a)
    privacy_services.erase(world.relais_a, by=world.admin_a, received_on=timezone.localdate())
    milestone.refresh_from_db()
    assert milestone.state == "ecarte" and milestone.body == ""
