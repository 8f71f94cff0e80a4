"""Personal data: consents, the rights of a person, retention, the free-text
guard, the audit trail and two-factor login — what a DPO checks."""

import datetime
import json

from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bilans.selectors import bilan_figures
from core import outbox
from core.consents import consent_withdraw
from core.models import AuditEvent, Consent, Message, SensitiveFlag
from privacy import services
from privacy.models import RightsRequest
from privacy.tasks import apply_retention
from relais.models import ContactLog, Relais
from relais.services import contact_log_add, relais_change_status
from remontees.models import Remontee
from reunions.models import Reunion
from tests.bilans.test_bilans import network  # noqa: F401  (a fixture: a two-year network with known figures)
from tests.factories import (
    AuditEventFactory,
    ContactLogFactory,
    InitiativeFactory,
    MembershipFactory,
    RelaisFactory,
    UserFactory,
)
from tests.helpers import text

TODAY = timezone.localdate()


# Consents: what they do not cover is not done.


def test_no_sms_without_sms_consent_and_no_message_without_any(world):
    relais = world.relais_a
    Relais.objects.filter(pk=relais.pk).update(preferred_channel="sms", phone="06 11 22 33 44")
    relais.refresh_from_db()
    Consent.objects.filter(relais=relais, scope="sms").delete()
    message = outbox.message_schedule(
        organisation_id=relais.organisation_id, recipient=relais, subject=relais, kind="a"
    )
    assert (message.channel, message.address) == ("email", relais.email)  # the channel it agreed to

    Consent.objects.filter(relais=relais).delete()
    assert (
        outbox.message_schedule(organisation_id=relais.organisation_id, recipient=relais, subject=relais, kind="b")
        is None
    )
    assert Message.objects.filter(recipient_relais=relais, kind="b").count() == 0


def test_a_consent_withdrawn_after_scheduling_cancels_the_message(world, login):
    relais = world.relais_a
    Relais.objects.filter(pk=relais.pk).update(preferred_channel="sms", phone="06 11 22 33 44")
    relais.refresh_from_db()
    message = outbox.message_schedule(
        organisation_id=relais.organisation_id, recipient=relais, subject=relais, kind="c"
    )
    assert message.channel == "sms"

    # The relais withdraws it from their own page.
    response = login(world.relais_user_a).post("/donnees/mes-donnees/", {"consents": ["annuaire", "email"]})
    assert response.status_code == 302
    assert Consent.objects.get(relais=relais, scope="sms").withdrawn_on == TODAY

    assert outbox.message_send(message.pk) == "cancelled"
    message.refresh_from_db()
    assert (message.state, message.last_error) == ("annule", "consentement retiré pour ce canal")


def test_staff_record_and_withdraw_consents_with_their_dates(world, login):
    client = login(world.staff_a)
    relais = world.relais_a2
    response = client.post(
        f"/donnees/relais/{relais.pk}/consentements/", {"consents": ["annuaire"], "on": "2026-01-05"}
    )
    assert response.status_code == 302
    active = dict(relais.consents.filter(withdrawn_on=None).values_list("scope", "given_on"))
    assert active == {"annuaire": relais.status_since}  # kept with its first date
    assert set(relais.consents.exclude(withdrawn_on=None).values_list("scope", flat=True)) == {
        "email",
        "sms",
        "photos",
    }
    page = text(client.get(f"/donnees/relais/{relais.pk}/"))
    assert "Être contacté·e par SMS" in page and "5 janvier 2026" in page

    future = (TODAY + datetime.timedelta(days=2)).isoformat()
    before = Consent.objects.count()
    response = client.post(f"/donnees/relais/{relais.pk}/consentements/", {"consents": ["sms"], "on": future})
    assert response.status_code == 200
    assert "La date ne peut pas être dans le futur." in text(response)
    assert Consent.objects.count() == before


# Rights: access, rectification, erasure.


def _all_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_the_export_holds_every_personal_field_of_the_person_and_nothing_of_anyone_else(world, login):
    relais = world.relais_a
    Relais.objects.filter(pk=relais.pk).update(phone="06 12 12 12 12", left_on=None)
    relais.refresh_from_db()
    world.relais_user_a.first_name, world.relais_user_a.last_name = "Nadia", "Diallo"
    world.relais_user_a.save()
    ContactLogFactory(relais=world.relais_a2, note="Note sur AUTRE-PERSONNE")

    response = login(world.staff_a).get(f"/donnees/relais/{relais.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="donnees-relais-{relais.pk}.json"'
    data = json.loads(response.content)
    exported = _all_text(data)

    for field in Relais._meta.concrete_fields:
        value = getattr(relais, field.attname)
        if value in (None, "") or field.name in ("id", "organisation", "user", "home_seen_at", "anonymised_at"):
            continue
        if field.choices:
            value = getattr(relais, f"get_{field.name}_display")()
        elif isinstance(value, datetime.datetime):
            value = value.isoformat()
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        assert str(value) in exported, f"{field.name} = {value!r} missing from the export"
    assert data["compte"]["e-mail de connexion"] == "relais@a.test"
    assert data["résidences"][0]["résidence"] == world.residence_a1.name
    assert data["échanges notés par l'équipe"][0]["note"] == "Appel SECRET-A PERSO-A"
    assert {c["objet"] for c in data["consentements"]} == set(Consent.Scope.labels)

    for other in (world.relais_a2, world.relais_b):
        assert other.last_name not in exported
    assert "AUTRE-PERSONNE" not in exported
    assert "staff@a.test" not in exported and "admin@a.test" not in exported

    # The readable copy says the same, and the access is in the journal.
    page = text(login(world.staff_a).get(f"/donnees/relais/{relais.pk}/export/"))
    assert relais.last_name in page and "06 12 12 12 12" in page and "Appel SECRET-A PERSO-A" in page
    assert "Relais depuis le 15 janvier 2025" in page  # dates as a person reads them
    assert AuditEvent.objects.filter(relais=relais, action="export", user=world.staff_a).count() == 2


def test_a_relais_reads_and_downloads_only_their_own_data(world, login):
    client = login(world.relais_user_a)
    page = text(client.get("/donnees/mes-donnees/"))
    assert world.relais_a.last_name in page and world.relais_a2.last_name not in page
    data = json.loads(client.get("/donnees/mes-donnees/export.json").content)
    assert data["personne"]["nom"] == world.relais_a.last_name
    assert world.relais_a2.last_name not in _all_text(data)

    response = client.post("/donnees/mes-donnees/", {"erase": "1"})
    assert response.status_code == 302
    request = RightsRequest.objects.get(relais=world.relais_a)
    assert (request.kind, request.handled_on) == ("effacement", None)
    assert "Effacement reçue le" in text(login(world.staff_a).get("/donnees/"))


def _traces_left(needles: list[str]) -> list[str]:
    """Every text column of every table that still holds one of the needles."""
    found = []
    for model in apps.get_models():
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.EmailField, models.JSONField))
        ]
        for name in names:
            for needle in needles:
                if model._base_manager.filter(**{f"{name}__icontains": needle}).exists():
                    found.append(f"{model._meta.label}.{name} holds {needle!r}")
    return found


def test_erasure_leaves_no_trace_of_the_person_and_the_bilan_figures_do_not_move(network, login):  # noqa: F811
    org, person = network.org, network.a
    user = UserFactory(email="aicha.zq@example.test", first_name="Aïcha", last_name="Zébulonne-Quintal")
    MembershipFactory(user=user, organisation=org, role="relais")
    Relais.objects.filter(pk=person.pk).update(
        last_name="Zébulonne-Quintal", phone="06 99 88 77 66", email="aicha.zq@example.test", user=user
    )
    person.refresh_from_db()
    contact_log_add(relais=person, kind="appel", date=TODAY, note="Aïcha rappelle jeudi", by=network.staff)
    reunion = Reunion.objects.filter(organisation=org, status="tenue").first()
    Reunion.objects.filter(pk=reunion.pk).update(minutes="Aïcha Zébulonne-Quintal propose une fête. Accord.")
    remontee = Remontee.objects.filter(relais=person).first()
    Remontee.objects.filter(pk=remontee.pk).update(description="Aïcha a vu la fuite (tél. 06 99 88 77 66)")
    outbox.message_schedule(organisation_id=org.pk, recipient=person, subject=person, kind="z")
    needles = ["Zébulonne", "aicha.zq@example.test", "06 99 88 77 66", "Aïcha"]
    assert _traces_left(needles)  # the scan finds them before
    figures = {year: bilan_figures(org, year) for year in (2024, 2025)}

    staff = login(network.staff)
    page = text(staff.get(f"/donnees/relais/{person.pk}/effacer/"))
    assert "seront effacés définitivement" in page
    response = staff.post(f"/donnees/relais/{person.pk}/effacer/", {"received_on": TODAY.isoformat()})
    assert response.status_code == 200 and "Cochez la case pour confirmer l'effacement." in text(response)
    assert Relais.objects.get(pk=person.pk).anonymised_at is None  # nothing done without the confirmation

    response = staff.post(f"/donnees/relais/{person.pk}/effacer/", {"received_on": TODAY.isoformat(), "confirm": "on"})
    assert response.status_code == 302

    assert _traces_left(needles) == []
    assert {year: bilan_figures(org, year) for year in (2024, 2025)} == figures
    reunion.refresh_from_db()
    assert reunion.minutes == "[…] propose une fête. Accord."
    request = RightsRequest.objects.get(relais=person)
    assert (request.kind, request.handled_on, request.handled_by) == ("effacement", TODAY, network.staff)
    assert AuditEvent.objects.filter(relais=person, action="effacement").exists()
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_rectification_is_the_edit_form_and_is_recorded(world, login):
    client = login(world.staff_a)
    response = client.post(
        f"/donnees/relais/{world.relais_a.pk}/demande/",
        {"kind": "rectification", "received_on": TODAY.isoformat(), "note": "Numéro corrigé", "handled": "on"},
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get(relais=world.relais_a)
    assert (request.kind, request.handled_on, request.handled_by) == ("rectification", TODAY, world.staff_a)
    before = RightsRequest.objects.count()
    response = client.post(f"/donnees/relais/{world.relais_a.pk}/demande/", {"kind": "oubli", "received_on": "hier"})
    assert response.status_code == 200
    assert "Saisissez une date valide." in text(response)
    assert RightsRequest.objects.count() == before


# Retention.


def _leaver(org, months: int, name: str) -> Relais:
    relais = RelaisFactory(
        organisation=org, last_name=name, phone="06 00 00 00 00", status_since=TODAY.replace(year=2020)
    )
    left = services.months_before(TODAY, months)
    relais_change_status(relais=relais, to_status="sorti", date=left, by=None, exit_reason="demenagement")
    ContactLogFactory(relais=relais, kind="appel", date=left, note=f"Départ de {name}")
    return relais


def test_retention_anonymises_exactly_the_leavers_past_their_time(world, login):
    stays = _leaver(world.org_a, 23, "VINGT-TROIS")
    goes = _leaver(world.org_a, 25, "VINGT-CINQ")
    recent = ContactLogFactory(relais=world.relais_a, note="Appel récent", date=TODAY)
    old = ContactLogFactory(relais=world.relais_a, note="Appel ancien", date=services.months_before(TODAY, 30))

    page = text(login(world.staff_a).get("/donnees/"))
    assert "VINGT-TROIS" in page  # its day comes within three months
    assert "VINGT-CINQ" in page  # overdue: the next night

    kept, expired = AuditEventFactory.create_batch(
        2, organisation=world.org_a, user=world.staff_a, relais=None, action="consultation", object_id=1
    )
    AuditEvent.objects.filter(pk=expired.pk).update(at=timezone.now() - datetime.timedelta(days=366))
    AuditEvent.objects.filter(pk=kept.pk).update(at=timezone.now() - datetime.timedelta(days=364))

    done = apply_retention.delay().get()
    assert done["anonymised"] == 1
    assert done["journal"] == 1  # the journal keeps a year (AUDIT_RETENTION_DAYS)
    assert AuditEvent.objects.filter(pk=kept.pk).exists() and not AuditEvent.objects.filter(pk=expired.pk).exists()
    goes.refresh_from_db()
    stays.refresh_from_db()
    assert goes.anonymised_at is not None and "VINGT-CINQ" not in str(goes) and goes.phone == ""
    assert stays.anonymised_at is None and stays.last_name == "VINGT-TROIS" and stays.phone
    assert not ContactLog.objects.filter(note__contains="VINGT-CINQ").exists()
    recent.refresh_from_db(), old.refresh_from_db()
    assert (recent.note, old.note) == ("Appel récent", "")
    assert AuditEvent.objects.filter(relais=goes, action="anonymisation", user=None).exists()


def test_only_an_admin_changes_the_retention_time_and_bad_values_are_refused(world, login):
    response = login(world.staff_a).post("/donnees/", {"retention_months": "12"})
    assert response.status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.retention_months == 24
    admin = login(world.admin_a)
    response = admin.post("/donnees/", {"retention_months": "3"})
    assert "Choisissez une durée entre 6 et 120 mois." in text(response)
    assert admin.post("/donnees/", {"retention_months": "36"}).status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.retention_months == 36


# The free-text guard.


def test_a_note_that_seems_to_hold_health_data_asks_first_then_is_listed_for_review(world, login):
    client = login(world.staff_a)
    url = f"/relais/{world.relais_a.pk}/echanges/nouveau/"
    data = {"kind": "appel", "date": TODAY.isoformat(), "note": "Elle est hospitalisée pour une dépression."}
    before = ContactLog.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    page = text(response)
    assert "Ce texte semble contenir des données sensibles : santé (« hospitalisee », « depression »)" in page
    assert "J'ai relu" in page
    assert ContactLog.objects.count() == before

    response = client.post(url, {**data, "confirm_sensitive": "on"})
    assert response.status_code == 302
    note = ContactLog.objects.get(note__startswith="Elle est hospitalisée")
    flag = SensitiveFlag.objects.get(object_id=note.pk)
    assert (flag.field, flag.categories, flag.flagged_by) == ("note", "santé", world.staff_a)

    review = text(client.get("/donnees/textes-signales/"))
    assert "Elle est hospitalisée pour une dépression." in review
    assert client.post(f"/donnees/textes-signales/{flag.pk}/", {"outcome": "retire"}).status_code == 302
    note.refresh_from_db()
    flag.refresh_from_db()
    assert note.note == "[texte retiré : donnée sensible]"
    assert (flag.outcome, flag.reviewed_by) == ("retire", world.staff_a)
    assert "Aucun texte à revoir." in text(client.get("/donnees/textes-signales/"))


def test_an_ordinary_text_saves_at_once_and_the_relais_is_warned_too(world, login):
    client = login(world.staff_a)
    response = client.post(
        f"/relais/{world.relais_a.pk}/echanges/nouveau/",
        {
            "kind": "appel",
            "date": TODAY.isoformat(),
            "note": "L'origine de la fuite est trouvée, porte noire repeinte.",
        },
    )
    assert response.status_code == 302
    assert not SensitiveFlag.objects.exists()

    from remontees.models import Theme

    theme = Theme.objects.filter(organisation=world.org_a).first()
    relais = login(world.relais_user_a)
    before = Remontee.objects.count()
    response = relais.post(
        "/remontees/signaler/",
        {"residence": world.residence_a1.pk, "theme": theme.pk, "description": "Mon voisin musulman fait du bruit"},
    )
    assert response.status_code == 200
    assert "religion ou convictions (« musulman »)" in text(response)
    assert Remontee.objects.count() == before


# The audit trail.


def test_the_journal_says_who_viewed_exported_and_changed_personal_data(world, login):
    staff = login(world.staff_a)
    staff.get(f"/relais/{world.relais_a.pk}/")
    staff.get(f"/donnees/relais/{world.relais_a.pk}/export.json")
    staff.post(
        f"/relais/{world.relais_a.pk}/echanges/nouveau/",
        {"kind": "visite", "date": TODAY.isoformat(), "note": "Visite"},
    )
    actions = list(
        AuditEvent.objects.filter(user=world.staff_a, relais=world.relais_a)
        .order_by("pk")
        .values_list("action", "model")
    )
    assert actions == [("consultation", "relais"), ("export", "relais"), ("creation", "contactlog")]

    assert login(world.staff_a).get("/donnees/journal/").status_code == 403
    page = text(login(world.admin_a).get("/donnees/journal/?action=export"))
    rows = page.split("Donnée Relais", 1)[1]
    assert "Export" in rows and str(world.staff_a) in rows and "Consultation" not in rows
    assert login(world.staff_b).get("/donnees/journal/").status_code == 403


def test_the_journal_page_runs_the_same_queries_for_5_and_50_events(world, login):
    admin = login(world.admin_a)

    def count(n):
        AuditEvent.objects.all().delete()
        AuditEventFactory.create_batch(n, relais=world.relais_a, user=world.staff_a, action="consultation")
        with CaptureQueriesContext(connection) as queries:
            assert admin.get("/donnees/journal/").status_code == 200
        return len(queries)

    count(1)  # the first request of a session reads the session policy once
    assert count(5) == count(50)


# Two-factor authentication for staff (allauth MFA, TOTP).


def test_staff_can_add_an_authenticator_app_and_then_login_asks_for_its_code(world, client):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    def code(secret):
        return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))

    user = world.staff_a
    user.set_password("un mot de passe solide 2026")
    user.save()
    assert (
        client.post("/comptes/login/", {"login": user.email, "password": "un mot de passe solide 2026"}).status_code
        == 302
    )
    # Adding an authenticator asks for the password again first.
    response = client.get("/comptes/2fa/totp/activate/")
    assert response["Location"].startswith("/comptes/reauthenticate/")
    client.post(response["Location"], {"password": "un mot de passe solide 2026"})
    page = client.get("/comptes/2fa/totp/activate/")
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()
    secret = client.session["mfa.totp.secret"]
    response = client.post("/comptes/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200 and "Code incorrect" in text(response)
    response = client.post("/comptes/2fa/totp/activate/", {"code": code(secret)})
    assert response.status_code == 302

    client.post("/comptes/logout/")
    response = client.post("/comptes/login/", {"login": user.email, "password": "un mot de passe solide 2026"})
    assert response["Location"] == "/comptes/2fa/authenticate/"
    assert client.get("/relais/").status_code == 302  # not logged in until the code is given
    response = client.post("/comptes/2fa/authenticate/", {"code": code(secret)})
    assert response.status_code == 302
    assert client.get("/relais/").status_code == 200


def test_a_relais_is_named_to_other_relais_only_with_the_listing_consent(world, login):
    from initiatives.models import InitiativeKind

    kind = InitiativeKind.objects.filter(organisation=world.org_a).first()
    initiative = InitiativeFactory(
        organisation=world.org_a,
        kind=kind,
        title="Fête de la rue",
        starts_on=TODAY,
        status="prevue",
        organisers=[world.relais_a, world.relais_a2],
    )
    relais_page = login(world.relais_user_a)
    assert world.relais_a2.last_name in text(relais_page.get(f"/initiatives/{initiative.pk}/"))

    consent_withdraw(world.relais_a2, ["annuaire"], on=TODAY, by=None)
    page = text(relais_page.get(f"/initiatives/{initiative.pk}/"))
    assert world.relais_a2.last_name not in page and world.relais_a.last_name in page
    assert world.relais_a2.last_name in text(login(world.staff_a).get(f"/initiatives/{initiative.pk}/"))


def test_erasure_finds_the_name_in_its_usual_forms_and_spares_ordinary_words(network, login):  # noqa: F811
    person = network.a
    Relais.objects.filter(pk=person.pk).update(first_name="Hélène", last_name="Petit")
    person.refresh_from_db()
    reunion = Reunion.objects.filter(organisation=network.org, status="tenue").first()
    Reunion.objects.filter(pk=reunion.pk).update(
        minutes="Mme Petit, HELENE PETIT et H. Petit ont parlé. Une petite fuite reste à voir."
    )
    remontee = Remontee.objects.filter(relais=person).first()
    Remontee.objects.filter(pk=remontee.pk).update(description="Hélène a vu une petite fuite de mauvaise qualité")

    assert services.erase(person, by=network.staff, received_on=TODAY) is not None
    reunion.refresh_from_db(), remontee.refresh_from_db()
    assert reunion.minutes == "[…], […] et […] ont parlé. Une petite fuite reste à voir."
    assert remontee.description == "[…] a vu une petite fuite de mauvaise qualité"
    person.refresh_from_db()
    assert (person.status, person.left_on) == ("sorti", TODAY)  # an erased person leaves the network today

    # A second erasure (double click, two staff at once) does nothing and records nothing.
    assert services.erase(person, by=network.staff, received_on=TODAY) is None
    assert RightsRequest.objects.filter(relais=person).count() == 1
    # The anonymous fiche no longer changes.
    staff = login(network.staff)
    assert staff.get(f"/relais/{person.pk}/modifier/").status_code == 403
    assert staff.post(f"/relais/{person.pk}/echanges/nouveau/", {"kind": "appel"}).status_code == 403


def test_importing_an_old_file_again_gives_no_withdrawn_consent_back(world):
    from relais import csv_import

    content = (
        "prénom;nom;e-mail;téléphone;résidence;date de consentement\n"
        f"Awa;Koné;awa@example.test;06 00 00 00 09;{world.residence_a1.name};01/03/2024\n"
    ).encode()
    report = csv_import.parse_relais(organisation=world.org_a, content=content)
    csv_import.apply_relais(organisation=world.org_a, report=report, by=None)
    awa = Relais.objects.get(last_name="Koné")
    assert {c.scope for c in awa.consents.all()} == {"annuaire", "email", "sms"}
    consent_withdraw(awa, ["sms", "email", "annuaire"], on=TODAY, by=None)

    report = csv_import.parse_relais(organisation=world.org_a, content=content)
    csv_import.apply_relais(organisation=world.org_a, report=report, by=None)
    assert not awa.consents.filter(withdrawn_on=None).exists()


def test_the_announced_day_is_the_day_the_task_does_it():
    for left in (datetime.date(2023, 2, 28), datetime.date(2024, 2, 29), datetime.date(2023, 8, 31)):
        for months in (6, 23, 24):
            day = services.anonymisation_day(left, months)
            assert left < services.months_before(day, months)
            assert not left < services.months_before(day - datetime.timedelta(days=1), months)
