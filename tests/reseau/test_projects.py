"""Projects followed on the ground: their history written by the services, who
reads them, and the committee's « point des accompagnateurs » made from them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Membership
from reseau import services
from reseau.models import Fund, Project, ProjectEvent
from reunions import services as reunions_services
from tests.db_writes import DataWrites
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import plan_reunion, text

pytestmark = pytest.mark.django_db


def _project(net, member, title="Jardin partagé", **fields):
    return services.project_create(network=net.network, member=member, by=net.coordinator, title=title, **fields)


def _update(project, by, **changes):
    current = {
        "title": project.title,
        "site": project.site,
        "stage": project.stage,
        "next_step": project.next_step,
        "blockers": project.blockers,
        "accompagnateur": project.accompagnateur,
    }
    events = services.project_update(project=project, by=by, **{**current, **changes})
    project.refresh_from_db()
    return events


def test_a_projects_history_tells_each_change(world, net, login):
    project = _project(net, world.org_a, site="Les Tilleuls, bâtiment C")
    _update(project, net.coordinator, stage=Project.Stage.CADRAGE, next_step="Réunir les locataires du bâtiment C")
    _update(
        project, net.coordinator, blockers="Le bailleur n'a pas validé l'emplacement", accompagnateur=net.coordinator
    )
    _update(project, net.coordinator, title="Jardin partagé des Tilleuls")  # not a followed change: no line
    services.fund_grant(
        project=project,
        by=net.coordinator,
        kind=Fund.Kind.CADRAGE,
        amount=800,
        granted_on=datetime.date(2026, 3, 12),
    )
    kinds = list(project.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["creation", "etape", "prochaine", "blocages", "accompagnateur", "fonds"]

    page = text(login(net.coordinator).get(f"/reseau/projets/{project.pk}/"))
    assert "Étape : Idée → Cadrage" in page
    assert "Prochaine étape : Réunir les locataires du bâtiment C" in page
    assert "Points de blocage : Le bailleur n'a pas validé l'emplacement" in page
    assert "Suivi par Claire Coordination (auparavant personne)" in page
    assert "Fonds accordé : Étude de cadrage, 800 €, le 12 mars 2026" in page
    assert "Mettre à jour le projet" in page


def test_the_coordination_edits_a_project_through_its_page(world, net, login):
    project = _project(net, world.org_a)
    client = login(net.coordinator)
    form = text(client.get(f"/reseau/projets/{project.pk}/modifier/"))
    assert "Claire Coordination" in form  # the network's team among the accompagnateurs
    response = client.post(
        f"/reseau/projets/{project.pk}/modifier/",
        {"title": "Jardin partagé", "stage": "en_cours", "next_step": "Planter", "accompagnateur": net.coordinator.pk},
    )
    assert response.status_code == 302, text(response)
    project.refresh_from_db()
    assert (project.stage, project.next_step, project.accompagnateur) == ("en_cours", "Planter", net.coordinator)
    assert project.events.filter(kind="etape", text="Étape : Idée → En cours").exists()


def test_bad_input_is_refused_in_french_and_writes_nothing(world, net, login):
    project = _project(net, world.org_a)
    client = login(net.coordinator)
    with DataWrites() as writes:
        response = client.post(
            f"/reseau/projets/{project.pk}/fonds/", {"kind": "mobilisation", "amount": "-5", "granted_on": "hier"}
        )
    assert response.status_code == 400
    assert "Assurez-vous que cette valeur est supérieure ou égale à 1." in text(response)
    assert not writes, writes.summary()
    # Someone of organisation B cannot be made its accompagnateur.
    with DataWrites() as writes:
        response = client.post(
            f"/reseau/projets/{project.pk}/modifier/",
            {"title": "Jardin", "stage": "idee", "accompagnateur": world.staff_b.pk},
        )
    assert response.status_code == 400
    assert not writes, writes.summary()
    # A project for an organisation outside the network.
    with DataWrites() as writes:
        response = client.post(
            "/reseau/projets/nouveau/", {"member": world.org_b.pk, "title": "Ailleurs", "stage": "idee"}
        )
    assert response.status_code == 400 and "Sélectionnez un choix valide" in text(response)
    assert not writes, writes.summary()


def test_a_members_staff_read_their_own_projects_only(world, net, login):
    own = _project(net, world.org_a, title="Fête des voisins de A")
    other = _project(net, net.org_c, title="Atelier cuisine de C")
    staff_a = login(world.staff_a)
    listing = text(staff_a.get("/reseau/projets/"))
    assert "Fête des voisins de A" in listing and "Atelier cuisine de C" not in listing
    page = staff_a.get(f"/reseau/projets/{own.pk}/")
    assert page.status_code == 200 and "Mettre à jour le projet" not in text(page)
    assert staff_a.get(f"/reseau/projets/{other.pk}/").status_code == 404
    # Read only: the forms that change a project answer 403, nothing written.
    with DataWrites() as writes:
        assert staff_a.post(f"/reseau/projets/{own.pk}/modifier/", {"title": "x", "stage": "idee"}).status_code == 403
    assert not writes
    # Organisation B, outside the network, reads none; relais and partners neither.
    assert login(world.staff_b).get(f"/reseau/projets/{own.pk}/").status_code == 404
    assert "Fête des voisins" not in text(login(world.staff_b).get("/reseau/projets/"))
    for user in (world.relais_user_a, world.partner_a):
        assert login(user).get("/reseau/projets/").status_code == 403
        assert login(user).get(f"/reseau/projets/{own.pk}/").status_code == 403
    # The coordination reads both, and filters.
    coordination = login(net.coordinator)
    listing = text(coordination.get("/reseau/projets/"))
    assert "Fête des voisins de A" in listing and "Atelier cuisine de C" in listing
    only_c = text(coordination.get(f"/reseau/projets/?membre={net.org_c.pk}"))
    assert "Atelier cuisine de C" in only_c and "Fête des voisins de A" not in only_c
    _update(other, net.coordinator, stage=Project.Stage.REALISE)
    done = text(coordination.get("/reseau/projets/?etape=realise"))
    assert "Atelier cuisine de C" in done and "Fête des voisins de A" not in done


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/reseau/projets/").status_code == 200
    return len(queries)


def test_the_project_list_costs_the_same_queries_for_3_or_20_projects(world, net, login):
    helpers = [UserFactory(email=f"acc{n}@reseau.test") for n in range(4)]
    for user in helpers:
        MembershipFactory(user=user, organisation=net.network, role=Membership.Role.COORDINATOR)
    for n in range(3):
        _project(net, world.org_a if n % 2 else net.org_c, title=f"Projet {n}", accompagnateur=helpers[n % 4])
    client = login(net.coordinator)
    _list_queries(client)  # the first request of a client fills its caches (session, content types)
    few = _list_queries(client)
    for n in range(3, 20):
        _project(net, world.org_a if n % 2 else net.org_c, title=f"Projet {n}", accompagnateur=helpers[n % 4])
    assert _list_queries(client) == few


# The committee's « point des accompagnateurs »


def _comite(world, net, when, title="Comité opérationnel"):
    return plan_reunion(
        world, when, organisation=net.network, by=net.coordinator, kind="comite", title=title, address="Lyon"
    )


def test_the_agenda_lists_exactly_the_projects_changed_since_the_last_committee(world, net, login):
    now = timezone.now()
    accompagnatrice = UserFactory(email="ines@reseau.test", first_name="Inès", last_name="Garnier")
    MembershipFactory(user=accompagnatrice, organisation=net.network, role=Membership.Role.COORDINATOR)
    _project(net, world.org_a, title="Projet calme", accompagnateur=accompagnatrice)  # unchanged since: not listed
    moved = _project(net, world.org_a, title="Fête des voisins", accompagnateur=accompagnatrice)
    funded = _project(net, net.org_c, title="Atelier cuisine", accompagnateur=net.coordinator)
    unassigned = _project(net, net.org_c, title="Jardin partagé")
    # Everything so far happened before last month's committee.
    ProjectEvent.objects.update(at=now - datetime.timedelta(days=60))
    _comite(world, net, now - datetime.timedelta(days=30), title="Comité de l'automne")
    cancelled = _comite(world, net, now - datetime.timedelta(days=10), title="Comité annulé")
    reunions_services.reunion_cancel(reunion=cancelled, by=None)
    # Since then (the cancelled committee does not count as held), three projects moved:
    _update(moved, net.coordinator, stage=Project.Stage.EN_COURS, next_step="Commander les tables")
    services.fund_grant(
        project=funded, by=net.coordinator, kind=Fund.Kind.MOBILISATION, amount=500, granted_on=now.date()
    )
    _update(unassigned, net.coordinator, blockers="Pas de salle commune")
    ProjectEvent.objects.filter(
        project__in=[moved, funded, unassigned], kind__in=["etape", "fonds", "blocages", "prochaine"]
    ).update(at=now - datetime.timedelta(days=5))
    comite = _comite(world, net, now + datetime.timedelta(days=7), title="Comité de l'hiver")
    reunions_services.minutes_save(reunion=comite, agenda="Accueil des nouveaux membres", minutes="", decisions="")

    response = login(net.coordinator).post(f"/reseau/reunions/{comite.pk}/point-des-accompagnateurs/")
    assert response.status_code == 302
    agenda = list(comite.agenda_items.order_by("position", "pk").values_list("title", flat=True))
    assert agenda == [
        "Point des accompagnateurs — Claire Coordination : « Atelier cuisine » (Habitat C), idée",
        "Point des accompagnateurs — Inès Garnier : « Fête des voisins » (Habitat A), en cours ; "
        "prochaine étape : Commander les tables",
        "Point des accompagnateurs — sans accompagnateur : « Jardin partagé » (Habitat C), idée ; "
        "blocage : Pas de salle commune",
        "Accueil des nouveaux membres",
    ]
    # Again: the generated points are replaced, not added twice; the typed one stays.
    services.committee_agenda_generate(reunion=comite, by=net.coordinator)
    assert comite.agenda_items.count() == 4


def test_only_a_network_committee_gets_a_point_des_accompagnateurs(world, net, login):
    thematique = plan_reunion(world, timezone.now() + datetime.timedelta(days=3), address="Mairie")  # A's
    assert (
        login(net.coordinator).post(f"/reseau/reunions/{thematique.pk}/point-des-accompagnateurs/").status_code == 404
    )
    assert login(world.staff_a).post(f"/reseau/reunions/{thematique.pk}/point-des-accompagnateurs/").status_code == 403


def test_the_networks_meetings_page_offers_the_point_des_accompagnateurs_to_its_coordination(world, net, login):
    comite = _comite(world, net, timezone.now() + datetime.timedelta(days=7))
    action = f"/reseau/reunions/{comite.pk}/point-des-accompagnateurs/"
    assert action in login(net.coordinator).get(f"/reseau/{net.network.pk}/reunions/").content.decode()
    # A member's staff read the meeting, not the button.
    page = login(world.staff_a).get(f"/reseau/{net.network.pk}/reunions/")
    assert page.status_code == 200 and action not in page.content.decode()
