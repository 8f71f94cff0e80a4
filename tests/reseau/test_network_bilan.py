"""The network's bilan: a Bilan of the network, made by the bilans machinery
(its task, states and WeasyPrint), adding up what each member shares."""

import datetime
import re

import pytest
from django.utils import timezone

from bilans.models import Bilan
from bilans.selectors import bilan_figures
from core.formats import figure
from core.models import NetworkMembership
from reseau import services
from reseau.models import MemberFigures
from tests.bilans.test_bilans import _grow, pdf_text
from tests.conftest import MARKER
from tests.helpers import text
from tests.reseau.conftest import queries_alike_for_3_and_60_members

pytestmark = pytest.mark.django_db


def _flat(value: str) -> str:
    return value.replace("\u202f", " ").replace("\u00a0", " ")


def _squeezed(value: str) -> str:
    # The PDF's text runs a tile's figure into its label (« 106relais actifs »): compare without spaces.
    return re.sub(r"\s+", "", value)


def _generate(client, bilan: Bilan, capture) -> Bilan:
    with capture(execute=True):
        response = client.post(f"/bilans/{bilan.pk}/generer/")
    assert response.status_code == 302
    bilan.refresh_from_db()
    return bilan


def _open(client) -> Bilan:
    response = client.post("/bilans/ouvrir/", {"year": "2025"})
    assert response.status_code == 302, response.content.decode()[:500]
    return Bilan.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def _sums(*organisations) -> dict:
    bilans = [bilan_figures(org, 2025) for org in organisations]
    covered = sum(b["coverage"]["covered"] for b in bilans)
    residences = sum(b["coverage"]["residences"] for b in bilans)
    return {
        "relais actifs": sum(b["relais"]["active"] for b in bilans),
        "réunions tenues": sum(b["reunions"]["held"] for b in bilans),
        "initiatives réalisées": sum(b["initiatives"]["done"] for b in bilans),
        "participants": sum(b["initiatives"]["participants"] for b in bilans),
        "résidences couvertes": (round(100 * covered / residences, 1), "%"),
    }


def _says(pdf: str, sums: dict) -> None:
    for label, value in sums.items():
        number, unit = value if isinstance(value, tuple) else (value, "")
        assert _squeezed(f"{figure(number, unit)} {label}") in _squeezed(pdf), (label, number, pdf[:1500])


def test_the_network_bilan_is_the_sum_of_its_members_figures_read_back_from_its_pdf(
    world, net, login, django_capture_on_commit_callbacks
):
    _grow(world.org_a, 0, 4)
    _grow(net.org_c, 10, 17)
    client = login(net.coordinator)
    bilan = _generate(client, _open(client), django_capture_on_commit_callbacks)
    assert bilan.state == Bilan.State.PRET, bilan.error
    # The members' figures were missing: computed first, for the year and the one before.
    assert MemberFigures.objects.filter(year__in=(2024, 2025)).count() == 4
    pdf = pdf_text(client.get(f"/bilans/{bilan.pk}/bilan.pdf").getvalue())
    assert "Bilan 2025 du réseau" in pdf and "Réseau régional" in pdf
    sums = _sums(world.org_a, net.org_c)
    assert sums["relais actifs"] > 7 and sums["initiatives réalisées"] == 11
    _says(pdf, sums)
    # Each member's line: its own bilan's figures, each above last year's.
    active_a = bilan_figures(world.org_a, 2025)["relais"]["active"]
    assert "Habitat C 7 0 " in pdf and f"Habitat A {active_a} 0 " in pdf
    # No person: neither a relais of a member, nor a residence, nor the coordinator.
    for word in ("Diallo", "PERSO-A", MARKER, "Coordination", "Claire", world.relais_a.first_name):
        assert word not in pdf
    # The page says the same figures, with the state of the PDF.
    page = text(client.get(f"/bilans/{bilan.pk}/"))
    assert "Prêt — généré le" in page and "Habitat C" in page
    assert _squeezed(f"{sums['relais actifs']} relais actifs") in _squeezed(page)


def test_a_member_that_does_not_share_is_absent_and_not_counted(world, net, login, django_capture_on_commit_callbacks):
    _grow(world.org_a, 0, 4)
    _grow(net.org_c, 10, 17)
    link = NetworkMembership.objects.get(network=net.network, member=net.org_c)
    services.sharing_set(link=link, shares_figures=False)
    client = login(net.coordinator)
    bilan = _generate(client, _open(client), django_capture_on_commit_callbacks)
    pdf = pdf_text(bilan.file.open("rb").read())
    assert "Habitat C" not in pdf
    assert "1 ne les partage pas" in pdf
    _says(pdf, _sums(world.org_a))
    # Its figures were not even computed for the network.
    assert not MemberFigures.objects.filter(organisation=net.org_c).exists()


def test_stale_figures_are_recomputed_first_with_the_progress_shown(
    world, net, login, django_capture_on_commit_callbacks
):
    _grow(net.org_c, 10, 17)
    now = timezone.now()
    for year in (2024, 2025):
        # A's are fresh (kept as they are, even if made up); C's are three days old.
        MemberFigures.objects.create(organisation=world.org_a, year=year, relais_active=99, computed_at=now)
        MemberFigures.objects.create(
            organisation=net.org_c, year=year, relais_active=1, computed_at=now - datetime.timedelta(days=3)
        )
    client = login(net.coordinator)
    bilan = _open(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/bilans/{bilan.pk}/generer/")
    state = text(client.get(f"/bilans/{bilan.pk}/etat/"))
    assert "En attente" in state and "Chiffres des membres à jour : 1 sur 2" in _flat(state)
    for callback in callbacks:
        callback()
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.PRET
    assert MemberFigures.objects.get(organisation=world.org_a, year=2025).relais_active == 99
    assert MemberFigures.objects.get(organisation=net.org_c, year=2025).relais_active == 7
    assert "Chiffres des membres à jour" not in text(client.get(f"/bilans/{bilan.pk}/etat/"))
    _says(pdf_text(bilan.file.open("rb").read()), {"relais actifs": 106})


def test_the_page_takes_the_same_queries_for_3_and_60_members(world, net, login):
    client = login(net.coordinator)
    bilan = _open(client)
    url = f"/bilans/{bilan.pk}/"

    response = queries_alike_for_3_and_60_members(client, url, net.network)
    page = text(response)
    assert "Bailleur 059" in page and "Membres qui partagent leurs chiffres clés avec le réseau : 60 sur 62" in _flat(
        page
    )


def test_only_the_networks_coordination_asks_for_it_and_reads_it(world, net, login):
    coordination = login(net.coordinator)
    assert "Le bilan du réseau d'une année additionne" in text(coordination.get("/bilans/"))
    bilan = _open(coordination)
    assert "Bilan 2025" in text(coordination.get("/bilans/"))
    # Its texts: an introduction and perspectives; no period nor examples (a network has no remontée).
    texts = text(coordination.get(f"/bilans/{bilan.pk}/textes/"))
    assert "Introduction" in texts and "Période du bilan" not in texts and "vous avez dit" not in texts
    response = coordination.post(f"/bilans/{bilan.pk}/textes/", {"introduction": "Une année de réseau.", "colour": ""})
    assert response.status_code == 302
    bilan.refresh_from_db()
    assert bilan.introduction == "Une année de réseau." and bilan.period == "annee"
    for user in (world.staff_a, world.admin_a, net.staff_c, world.staff_b, world.relais_user_a):
        client = login(user)
        assert client.get(f"/bilans/{bilan.pk}/").status_code == 404
        assert client.post(f"/bilans/{bilan.pk}/generer/").status_code in (403, 404)
    bilan.refresh_from_db()
    assert bilan.state == "" and bilan.requested_by is None
    # A member's partner: the members' bilans are for their partners, never the network's.
    assert login(world.partner_a).get(f"/bilans/{bilan.pk}/").status_code == 404
