"""Accounts through django-allauth: closed sign-up, login by password or code, invitations."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from core import outbox
from core.models import Membership, Message, User
from core.outbox import send_messages
from relais.models import Relais
from tests.helpers import text

pytestmark = pytest.mark.django_db

PASSWORD = "demo1234"  # the factories' password
NEW_PASSWORD = "Glycines-du-3e-etage"


def link_path(body: str) -> str:
    """The path of the first link to the site in an e-mail body."""
    match = re.search(re.escape(settings.SITE_URL.rstrip("/")) + r"(/\S+)", body)
    assert match, body
    return match.group(1)


# Login page and sign-up


def test_login_page_is_in_french_without_a_sign_up_link():
    response = Client().get(reverse("account_login"))
    assert response.status_code == 200
    page = text(response)
    assert "Connexion" in page
    assert "Se connecter" in page
    assert "Recevoir un code de connexion par e-mail" in page
    assert "Mot de passe oublié ?" in page
    assert reverse("account_signup") not in response.content.decode()
    assert "Sign" not in page  # no English left over from allauth


def test_nobody_signs_up_alone():
    client = Client()
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "Inscriptions fermées" in text(response)
    assert "<form" not in response.content.decode().split("<main", 1)[1]
    response = client.post(
        reverse("account_signup"),
        {"email": "intrus@example.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert not User.objects.filter(email="intrus@example.test").exists()


# Login by password


def login_post(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


@pytest.mark.parametrize(
    "who, landing",
    [("staff_a", "/a-traiter/"), ("partner_a", "/tableau-de-bord/"), ("relais_user_a", "/espace/")],
)
def test_login_with_email_and_password_lands_on_the_role_page(world, who, landing):
    client = Client()
    user = getattr(world, who)
    response = login_post(client, user.email.upper(), PASSWORD, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing
    assert response.wsgi_request.user == user


def test_a_wrong_password_is_refused_in_french(world):
    client = Client()
    response = login_post(client, world.staff_a.email, "mauvais")
    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in text(response)
    assert client.get("/tableau-de-bord/").status_code == 302  # still anonymous


def test_an_inactive_user_cannot_log_in(world):
    world.staff_a.is_active = False
    world.staff_a.save()
    client = Client()
    login_post(client, world.staff_a.email, PASSWORD)
    assert client.get("/tableau-de-bord/").status_code == 302


# Login by code


def request_code(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_request_login_code"), {"email": email})
    return response


def test_login_by_code_sent_by_email(world, django_capture_on_commit_callbacks):
    client = Client()
    response = request_code(client, world.relais_user_a.email, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_confirm_login_code"))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.relais_user_a.email]
    assert message.subject == "[Trait d'union] Code de connexion"
    assert "Bonjour, c'est Trait d'union !" in message.body
    assert "Votre code de connexion" in message.body
    assert "Merci d'utiliser Trait d'union !" in message.body
    code = re.search(r"^\s*([A-Z0-9]{4,}(?:-[A-Z0-9]+)*)\s*$", message.body, re.M).group(1)

    page = text(client.get(response["Location"]))
    assert "code" in page.lower()
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/espace/"
    assert response.wsgi_request.user == world.relais_user_a
    assert "Bonjour" in text(response)


def test_a_wrong_code_is_refused_in_french(world, django_capture_on_commit_callbacks):
    client = Client()
    request_code(client, world.relais_user_a.email, django_capture_on_commit_callbacks)
    response = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZZZ"})
    assert response.status_code == 200
    assert "Code incorrect." in text(response)
    assert client.get("/espace/").status_code == 302


# Password reset


def test_password_reset_is_in_french(world, django_capture_on_commit_callbacks):
    client = Client()
    response = client.get(reverse("account_reset_password"))
    assert response.status_code == 200
    assert "Réinitialisation du mot de passe" in text(response)
    assert "Mot de passe oublié" in text(response)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": world.staff_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Trait d'union] E-mail de réinitialisation de mot de passe"
    assert "Bonjour, c'est Trait d'union !" in mail.outbox[0].body
    assert "/comptes/password/reset/key/" in mail.outbox[0].body


# Invitations


def invite_relais(client, relais, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/relais/{relais.pk}/inviter/")


def test_inviting_a_relais_ends_logged_in_on_its_space(world, login, django_capture_on_commit_callbacks):
    relais = world.relais_a2
    assert relais.user is None and relais.email
    staff = login(world.staff_a)
    page = text(staff.get(f"/relais/{relais.pk}/inviter/"))
    assert f"Un e-mail va être envoyé à {relais.email}" in page

    response = invite_relais(staff, relais, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert f"Une invitation est envoyée à {relais.email}." in text(staff.get(response["Location"]))

    relais.refresh_from_db()
    user = User.objects.get(email=relais.email)
    assert relais.user == user
    assert (user.first_name, user.last_name) == (relais.first_name, relais.last_name)
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (world.org_a, Membership.Role.RELAIS)
    invitation = Message.objects.get(subject_id=membership.pk, kind="invitation-1")
    assert invitation.state == Message.State.SENT and invitation.sent_at is not None
    assert invitation.created_by == world.staff_a
    assert invitation.attempts == 1

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [relais.email]
    assert message.subject == "Votre accès à Trait d'union — Habitat A"
    assert "Bonjour," in message.body
    assert "avec le rôle « Relais »" in message.body
    assert "Choisissez votre mot de passe en ouvrant ce lien (valable 7 jours)" in message.body
    path = link_path(message.body)

    # The invited person opens the link in their own browser.
    browser = Client()
    response = browser.get(path)
    assert response.status_code == 302
    set_url = response["Location"]
    assert "set-password" in set_url
    response = browser.get(set_url)
    assert response.status_code == 200
    assert "mot de passe" in text(response).lower()
    response = browser.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    response = browser.get("/")
    assert response["Location"] == "/espace/"
    espace = text(browser.get("/espace/"))
    assert "Le Belvédère" in espace
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link is spent.
    assert "set-password" not in Client().get(path).get("Location", "")


def test_an_invitation_goes_out_once(world, login, django_capture_on_commit_callbacks):
    invite_relais(login(world.staff_a), world.relais_a2, django_capture_on_commit_callbacks)
    invitation = Message.objects.get()
    sent_at = invitation.sent_at
    assert len(mail.outbox) == 1

    send_messages.delay([invitation.pk])
    send_messages([invitation.pk])
    assert outbox.message_send(invitation.pk) == "skipped"
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == sent_at
    assert invitation.attempts == 1


def test_a_relais_without_email_cannot_be_invited(world, login, django_capture_on_commit_callbacks):
    relais = world.relais_a2
    Relais.objects.filter(pk=relais.pk).update(email="", preferred_channel="papier")
    staff = login(world.staff_a)
    assert "Cette fiche n'a pas d'adresse e-mail." in text(staff.get(f"/relais/{relais.pk}/inviter/"))
    response = invite_relais(staff, relais, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert "Ajoutez d'abord une adresse e-mail à la fiche" in text(staff.get(response["Location"]))
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_an_email_already_used_with_another_role_is_refused(world, login, django_capture_on_commit_callbacks):
    relais = world.relais_a2
    Relais.objects.filter(pk=relais.pk).update(email=world.partner_a.email)
    staff = login(world.staff_a)
    response = invite_relais(staff, relais, django_capture_on_commit_callbacks)
    page = text(staff.get(response["Location"]))
    assert f"{world.partner_a.email} a déjà le rôle « Partenaire (lecture seule) » dans cette organisation." in page
    relais.refresh_from_db()
    assert relais.user is None
    assert mail.outbox == []


# Inviting colleagues


def test_admin_invites_a_colleague_limited_to_quartiers(world, login, django_capture_on_commit_callbacks):
    admin = login(world.admin_a)
    page = text(admin.get("/equipe/"))
    assert "Inviter une personne" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/equipe/", {"email": " Nouvelle.Agence@A.test ", "role": "staff", "quartiers": [world.q1.pk]}
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nouvelle.agence@a.test")
    assert (membership.organisation, membership.role) == (world.org_a, Membership.Role.STAFF)
    assert list(membership.quartiers.all()) == [world.q1]
    assert Message.objects.get(subject_id=membership.pk, kind="invitation-1").sent_at is not None
    assert len(mail.outbox) == 1
    assert "avec le rôle « Médiation »" in mail.outbox[0].body
    page = text(admin.get("/equipe/"))
    assert "Une invitation est envoyée à nouvelle.agence@a.test." in page.replace(
        "Nouvelle.Agence@A.test", "nouvelle.agence@a.test"
    )
    assert "nouvelle.agence@a.test" in page


def test_admin_invites_a_partner(world, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.admin_a).post("/equipe/", {"email": "ville@example.test", "role": "partenaire"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="ville@example.test")
    assert membership.role == Membership.Role.PARTNER
    assert not membership.quartiers.exists()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "pas-une-adresse", "role": "staff"}, "Saisissez une adresse de courriel valide."),
        ({"email": "", "role": "staff"}, "Ce champ est obligatoire."),
        ({"email": "x@example.test", "role": "relais"}, "Sélectionnez un choix valide."),
        ({"email": "x@example.test", "role": "staff", "quartiers": ["QB"]}, "Sélectionnez un choix valide."),
    ],
)
def test_an_invalid_invitation_is_refused_in_french(world, login, django_capture_on_commit_callbacks, data, message):
    data = {k: ([world.qb.pk] if v == ["QB"] else v) for k, v in data.items()}
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.admin_a).post("/equipe/", data)
    assert response.status_code == 200
    assert message in text(response)
    assert User.objects.count() == users
    assert mail.outbox == []


def test_inviting_a_member_with_another_role_is_refused(world, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.admin_a).post("/equipe/", {"email": world.partner_a.email, "role": "staff"})
    assert response.status_code == 200
    assert "a déjà le rôle « Partenaire (lecture seule) » dans cette organisation." in text(response)
    assert Membership.objects.get(user=world.partner_a).role == Membership.Role.PARTNER
    assert mail.outbox == []


def test_only_admins_open_the_team_page(world, login):
    assert login(world.staff_a).get("/equipe/").status_code == 403
    assert login(world.staff_a).post("/equipe/", {"email": "x@example.test", "role": "admin"}).status_code == 403
    assert not User.objects.filter(email="x@example.test").exists()
    response = login(world.admin_a).get("/equipe/")
    assert response.status_code == 200
    page = text(response)
    assert world.staff_a.email in page and world.relais_user_a.email not in page
