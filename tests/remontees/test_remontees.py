"""The life of a remontée: raised from the phone with a photo, answered,
resolved or declined with a reason, reopened by the relais; the relais told once
per change; the staff board; « vous avez dit, nous avons fait »."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.models import Message
from core.outbox import dispatch
from remontees import services
from remontees.models import Remontee, RemonteeEvent, Theme
from tests.factories import RelaisFactory
from tests.helpers import photo, same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def photo_with_gps(name="hall.jpg", size=(2400, 1800)) -> SimpleUploadedFile:
    return photo(name, size, "steelblue", gps=True, make="Téléphone de Fatou")


def theme(world, name="Ascenseur") -> Theme:
    return Theme.objects.get(organisation=world.org_a, name=name)


def raise_from_phone(world, login, **extra):
    client = login(world.relais_user_a)
    data = {
        "residence": world.residence_a1.pk,
        "theme": theme(world).pk,
        "description": "L'ascenseur du bâtiment B est en panne depuis lundi.",
        **extra,
    }
    return client, client.post("/remontees/signaler/", data)


def test_raised_on_the_phone_answered_resolved_and_the_relais_told_once_per_change(world, login):
    client, response = raise_from_phone(world, login, photo=photo_with_gps())
    remontee = Remontee.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/remontees/{remontee.pk}/"
    assert (remontee.relais, remontee.source, remontee.status) == (world.relais_a, "espace", "nouvelle")

    # The photo is kept without its EXIF (GPS position, phone), upright and resized.
    with Image.open(remontee.photo.path) as stored:
        assert not stored.getexif() and "exif" not in stored.info
        assert max(stored.size) == 1600
    assert client.get(f"/remontees/{remontee.pk}/photo.jpg").status_code == 200

    staff = login(world.staff_a)
    assert "L'ascenseur du bâtiment B est en panne" in text(staff.get("/remontees/"))
    staff.post(f"/remontees/{remontee.pk}/statut/", {"status": "prise_en_compte", "comment": "Ascensoriste appelé."})
    staff.post(f"/remontees/{remontee.pk}/statut/", {"status": "resolue", "comment": "Carte électronique changée."})
    dispatch(now=timezone.now())
    dispatch(now=timezone.now())
    remontee.refresh_from_db()
    assert remontee.status == "resolue" and remontee.answered_at and remontee.closed_at
    told = [m for m in mail.outbox if m.to == [world.relais_a.email]]
    assert [m.subject for m in told] == [
        "Votre remontée : prise en compte (Ascenseur)",
        "Votre remontée : résolue (Ascenseur)",
    ]
    assert "Carte électronique changée." in told[1].body and f"/remontees/{remontee.pk}/" in told[1].body
    assert Message.objects.filter(recipient_relais=world.relais_a, kind__startswith="suivi").count() == 2

    # « Ce n'est pas résolu » : the relais reopens it; whoever follows it is told.
    services.remontee_assign(remontee=remontee, assignee=world.staff_a, by=world.staff_a)
    page = text(client.get(f"/remontees/{remontee.pk}/"))
    assert "Ce n'est pas résolu" in page and "Carte électronique changée." in page
    client.post(f"/remontees/{remontee.pk}/rouvrir/", {"comment": "Encore en panne ce matin."})
    dispatch(now=timezone.now())
    remontee.refresh_from_db()
    assert remontee.status == "en_cours" and remontee.closed_at is None
    assert [m.subject for m in mail.outbox if m.to == [world.staff_a.email]] == [
        f"Remontée rouverte par le relais : Ascenseur, {world.residence_a1}"
    ]
    history = list(RemonteeEvent.objects.filter(remontee=remontee).values_list("kind", "status", "by__email"))
    assert history == [
        ("creee", "nouvelle", world.relais_user_a.email),
        ("statut", "prise_en_compte", world.staff_a.email),
        ("statut", "resolue", world.staff_a.email),
        ("attribuee", "resolue", world.staff_a.email),
        ("rouverte", "en_cours", world.relais_user_a.email),
    ]


def test_non_retenue_needs_a_reason_written_for_the_relais(world, login):
    raise_from_phone(world, login)
    remontee = Remontee.objects.get()
    staff = login(world.staff_a)
    response = staff.post(f"/remontees/{remontee.pk}/statut/", {"status": "non_retenue", "comment": " "}, follow=True)
    assert "Expliquez au relais pourquoi la demande n'est pas retenue." in text(response)
    remontee.refresh_from_db()
    assert remontee.status == "nouvelle" and not Message.objects.filter(kind__startswith="suivi").exists()

    reason = "Pas cette année : le budget va d'abord à la réhabilitation des ascenseurs de la cité Nord."
    staff.post(f"/remontees/{remontee.pk}/statut/", {"status": "non_retenue", "comment": reason})
    dispatch(now=timezone.now())
    remontee.refresh_from_db()
    assert remontee.status == "non_retenue" and remontee.status_reason == reason
    (told,) = mail.outbox
    assert told.subject == "Votre remontée : non retenue (Ascenseur)" and reason in told.body
    assert reason in text(login(world.relais_user_a).get(f"/remontees/{remontee.pk}/"))


def test_a_status_that_does_not_follow_is_refused(world, login):
    remontee = services.remontee_create(
        organisation=world.org_a,
        by=world.staff_a,
        residence=world.residence_a1,
        theme=theme(world),
        description="Fuite",
        source="visite",
    )
    services.remontee_set_status(remontee=remontee, status="resolue", by=world.staff_a)
    response = login(world.staff_a).post(f"/remontees/{remontee.pk}/statut/", {"status": "nouvelle"}, follow=True)
    assert "Choisissez un statut possible" in text(response)
    assert Remontee.objects.get().status == "resolue"


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("photo.jpg", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "image/jpeg"), "n'est pas une photo"),
        (SimpleUploadedFile("vide.jpg", b"", "image/jpeg"), "Le fichier soumis est vide"),
        ("huge", "la limite est de 10"),
    ],
    ids=["renamed-pdf", "zero-byte", "40-mb"],
)
def test_a_bad_photo_gets_a_clear_message_and_writes_nothing(world, login, settings, upload, message):
    if upload == "huge":
        jpeg = photo_with_gps().read()
        upload = SimpleUploadedFile("grande.jpg", jpeg + b"\0" * (40 * 1024 * 1024), "image/jpeg")
    _, response = raise_from_phone(world, login, photo=upload)
    assert response.status_code == 200
    assert message in text(response)
    assert not Remontee.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_relais_sees_only_their_own_remontees(world, login):
    other = services.remontee_create(
        organisation=world.org_a,
        by=world.staff_a,
        residence=world.residence_a2,
        relais=world.relais_a2,
        theme=theme(world),
        description="Chez un autre relais",
        source="visite",
    )
    client = login(world.relais_user_a)
    assert client.get(f"/remontees/{other.pk}/").status_code == 404
    assert client.get(f"/remontees/{other.pk}/photo.jpg").status_code == 404
    assert "Chez un autre relais" not in text(client.get("/remontees/mes-remontees/"))
    assert client.post(f"/remontees/{other.pk}/rouvrir/", {"comment": "x"}).status_code == 404


def test_you_said_we_did_for_a_residence(world, login):
    def make(description, status=None, comment=""):
        remontee = services.remontee_create(
            organisation=world.org_a,
            by=world.staff_a,
            residence=world.residence_a1,
            theme=theme(world, "Propreté et encombrants"),
            description=description,
            source="fiche_contact",
        )
        if status:
            services.remontee_set_status(remontee=remontee, status=status, by=world.staff_a, comment=comment)

    make("Encombrants au pied du bâtiment C", "resolue", "Enlèvement hebdomadaire mis en place.")
    make("Hall sale le lundi", "en_cours")
    make("Un local vélos", "non_retenue", "Pas de local disponible cette année.")
    page = text(login(world.staff_a).get(f"/remontees/residence/{world.residence_a1.pk}/"))
    assert "Fait (1)" in page and "Enlèvement hebdomadaire mis en place." in page
    assert "En cours (1)" in page and "Hall sale le lundi" in page
    assert "Pas retenu, et pourquoi (1)" in page and "Pas de local disponible cette année." in page


def test_an_admin_edits_the_themes_offered(world, login):
    admin = login(world.admin_a)
    admin.post("/remontees/themes/", {"name": "Punaises de lit"})
    assert Theme.objects.filter(organisation=world.org_a, name="Punaises de lit").exists()
    assert "Cet intitulé existe déjà" in text(admin.post("/remontees/themes/", {"name": "punaises de lit"}))
    ascenseur = theme(world)
    admin.post("/remontees/themes/", {"toggle": ascenseur.pk})
    form = login(world.relais_user_a).get("/remontees/signaler/").content.decode()
    assert "Punaises de lit" in form and ">Ascenseur<" not in form
    assert login(world.staff_a).get("/remontees/themes/").status_code == 403


@pytest.mark.parametrize(
    "url", ["/remontees/", "/remontees/?status=nouvelle&theme={theme}", "/remontees/mes-remontees/"]
)
def test_remontee_pages_run_a_constant_number_of_queries(world, login, url):

    url = url.format(theme=theme(world).pk)
    client = login(world.relais_user_a if "mes-" in url else world.staff_a)

    def grow(first, last):
        for i in range(first, last):
            relais = (
                world.relais_a if i % 2 else RelaisFactory(organisation=world.org_a, residences=[world.residence_a1])
            )
            services.remontee_create(
                organisation=world.org_a,
                by=world.staff_a,
                residence=world.residence_a1,
                relais=relais,
                theme=theme(world),
                description=f"Remontée {i}",
                source="visite",
            )

    response = same_queries_for_few_and_many(client, url, grow, 5, 50)
    assert "Remontée 49" in response.content.decode()


def test_the_board_lists_25_rows_a_page_with_long_texts_cut(world, login):
    long = "Le digicode de l'entrée principale ne répond plus depuis la coupure de courant de mardi soir, " * 2
    for i in range(26):
        services.remontee_create(
            organisation=world.org_a,
            by=world.staff_a,
            residence=world.residence_a1,
            theme=theme(world),
            description=f"{i:02d} {long}",
            source="visite",
        )
    staff = login(world.staff_a)
    page = text(staff.get("/remontees/"))
    assert "Page 1 sur 2 (26 éléments)" in page
    assert f"25 {long[:86]}…" in page and "00 Le digicode" not in page
    assert "00 Le digicode" in text(staff.get("/remontees/?page=2"))
    # Filtered, the count is that of the filter.
    assert "Page 1 sur 2" not in text(staff.get("/remontees/?q=Remontée+absente"))
    assert "Page 1 sur 2 (26 éléments)" in text(staff.get(f"/remontees/?theme={theme(world).pk}"))
