"""Calls for projects: a call with weighted criteria, an envelope and a deadline;
applications from members; the committee's scores; the decision, told once."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from core.models import Membership, Message
from reseau import selectors, services
from reseau.models import Application, Call, Score
from tests.db_writes import DataWrites
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import text

pytestmark = pytest.mark.django_db

CRITERIA = [("Implication des habitants", 3), ("Faisabilité", 2), ("Effets sur la résidence", 1)]


def _call(net, *, envelope=3000, days=30, title="Coups de pouce 2027"):
    return services.call_create(
        network=net.network,
        by=net.coordinator,
        title=title,
        envelope=envelope,
        deadline=timezone.now() + datetime.timedelta(days=days),
        criteria=CRITERIA,
        description="Des fonds pour les projets portés par les habitants.",
    )


def _committee(net):
    """Three committee members: the network's coordination."""
    others = []
    for n, name in enumerate(("Bastien", "Chloé")):
        user = UserFactory(email=f"comite{n}@reseau.test", first_name=name, last_name="Comité")
        MembershipFactory(user=user, organisation=net.network, role=Membership.Role.COORDINATOR)
        others.append(user)
    return [net.coordinator, *others]


def _apply(client, call, title="Repas partagé des Tilleuls", budget="1800"):
    return client.post(
        f"/reseau/appels/{call.pk}/candidater/",
        {
            "title": title,
            "description": "Un grand repas dans la cour, préparé par les habitants.",
            "budget": budget,
            "expected_effects": "Des voisins qui se connaissent ; deux nouveaux relais.",
        },
    )


def _refused(client, url: str, data: dict) -> str:
    """Post what must be refused: a 400 page that writes nothing; its text."""
    with DataWrites() as writes:
        response = client.post(url, data)
    assert response.status_code == 400, response.status_code
    assert not writes, writes.summary()
    return text(response)


def test_a_call_from_application_to_decision(world, net, login):
    committee = _committee(net)
    coordination = login(net.coordinator)
    response = coordination.post(
        "/reseau/appels/nouveau/",
        {
            "title": "Coups de pouce 2027",
            "envelope": "3000",
            "deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "criteria": "Implication des habitants ; 3\nFaisabilité ; 2\nEffets sur la résidence ; 1",
        },
    )
    assert response.status_code == 302, text(response)
    call = Call.objects.get()
    assert [(c.label, c.weight) for c in call.criteria.all()] == CRITERIA

    # A member's staff read the call and apply.
    staff_a = login(world.staff_a)
    assert "Déposer un projet" in text(staff_a.get(f"/reseau/appels/{call.pk}/"))
    response = _apply(staff_a, call)
    assert response.status_code == 302, text(response)
    application = Application.objects.get()
    assert (application.applicant, application.organisation, application.budget) == (world.org_a, net.network, 1800)

    # Three committee members score each criterion; the first changes her mind.
    marks = {
        net.coordinator: [4, 3, 5],
        committee[1]: [5, 2, 3],
        committee[2]: [3, 4, 2],
    }
    criteria = list(call.criteria.order_by("position"))
    for member, values in marks.items():
        data = {f"c{c.pk}": v for c, v in zip(criteria, values, strict=True)}
        response = login(member).post(f"/reseau/candidatures/{application.pk}/notes/", data)
        assert response.status_code == 302, text(response)
    data = {f"c{c.pk}": v for c, v in zip(criteria, [5, 3, 5], strict=True)}
    assert coordination.post(f"/reseau/candidatures/{application.pk}/notes/", data).status_code == 302
    assert Score.objects.filter(application=application).count() == 9  # one per member per criterion

    # By hand: means per criterion (5+5+3)/3, (3+2+4)/3, (5+3+2)/3 → 13/3, 3, 10/3;
    # weighted (3×13/3 + 2×3 + 1×10/3) / 6 = (13 + 6 + 10/3) / 6 = 67/18 = 3.72.
    page = text(coordination.get(f"/reseau/appels/{call.pk}/"))
    assert "3,72 / 5 (3 membres du comité)" in page
    assert "Moyenne pondérée : 3,72 / 5" in text(coordination.get(f"/reseau/candidatures/{application.pk}/"))
    # The member never reads the committee's scores.
    own = text(staff_a.get(f"/reseau/candidatures/{application.pk}/"))
    assert "Notes du comité" not in own and "Le comité n'a pas encore décidé." in own

    # The decision: granted, with conditions, told to A's staff once.
    decision = {"decision": "accordee", "amount": "1500", "conditions": "Un bilan photo en juin", "confirm": "on"}
    response = coordination.post(f"/reseau/candidatures/{application.pk}/decision/", decision)
    assert response.status_code == 302, text(response)
    application.refresh_from_db()
    assert (application.status, application.granted_amount) == ("accordee", 1500)
    page = text(coordination.get(f"/reseau/appels/{call.pk}/"))
    assert "1 500 € accordés sur 3 000 € (50 %) — reste 1 500 €" in page
    own = text(staff_a.get(f"/reseau/candidatures/{application.pk}/"))
    assert "Accordée : 1 500 €" in own and "Un bilan photo en juin" in own
    # Scores no longer change.
    page = _refused(coordination, f"/reseau/candidatures/{application.pk}/notes/", data)
    assert "La décision sur cette candidature a déjà été prise" in page


def test_the_decision_is_told_once_even_if_posted_twice(world, net, login, django_capture_on_commit_callbacks):
    call = _call(net)
    application = services.application_submit(
        call=call, applicant=world.org_a, by=world.staff_a, title="Jardin", description="d", budget=900,
        expected_effects="e",
    )  # fmt: skip
    client = login(net.coordinator)
    decision = {"decision": "accordee", "amount": "900", "confirm": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/reseau/candidatures/{application.pk}/decision/", decision).status_code == 302
    again = _refused(client, f"/reseau/candidatures/{application.pk}/decision/", {**decision, "amount": "100"})
    assert "La décision sur cette candidature a déjà été prise" in again
    sent = Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(Application), subject_id=application.pk
    )
    # A's admin and staff who read it (not its partner, its relais, nor staff limited to a quartier), once each.
    assert sorted(sent.values_list("recipient_user__email", flat=True)) == sorted(
        [world.admin_a.email, world.staff_a.email]
    )
    application.refresh_from_db()
    assert application.granted_amount == 900
    # What they read, sent once each.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.admin_a.email, world.staff_a.email])
    assert mail.outbox[0].subject == "Appel à projets « Coups de pouce 2027 » : votre projet est retenu"
    assert "Le comité de sélection a accordé 900\xa0€ (sur un budget de 900\xa0€) à « Jardin »." in mail.outbox[0].body


def test_a_late_application_is_refused_with_nothing_written(world, net, login):
    call = _call(net, days=-1)
    client = login(world.staff_a)
    assert "cet appel ne reçoit plus de candidature" in text(client.get(f"/reseau/appels/{call.pk}/candidater/"))
    with DataWrites() as writes:
        response = _apply(client, call)
    assert response.status_code == 400 and not writes, writes.summary()
    assert "La date limite de dépôt était le" in text(response)
    assert "cet appel ne reçoit plus de candidature" in text(response)
    assert not Application.objects.exists()
    # The service says it too (a form opened before the deadline, sent after it).
    with pytest.raises(ValidationError, match="la candidature ne peut plus être déposée"):
        services.application_submit(
            call=call, applicant=world.org_a, by=None, title="T", description="d", budget=1, expected_effects="e"
        )
    assert not Application.objects.exists()


def test_a_grant_over_the_envelope_is_refused_with_nothing_written(world, net, login):
    call = _call(net, envelope=2000)
    first = services.application_submit(
        call=call, applicant=world.org_a, by=None, title="Repas", description="d", budget=1500, expected_effects="e"
    )
    second = services.application_submit(
        call=call, applicant=net.org_c, by=None, title="Atelier", description="d", budget=900, expected_effects="e"
    )
    client = login(net.coordinator)
    decision = {"decision": "accordee", "amount": "1500", "confirm": "on"}
    assert client.post(f"/reseau/candidatures/{first.pk}/decision/", decision).status_code == 302
    page = _refused(client, f"/reseau/candidatures/{second.pk}/decision/", {**decision, "amount": "600"})
    assert "600 € dépasse l'enveloppe de l'appel : il reste 500 € sur 2 000 €." in page
    second.refresh_from_db()
    assert second.status == "deposee" and second.granted_amount is None
    # Without the confirmation, nothing either.
    page = _refused(client, f"/reseau/candidatures/{second.pk}/decision/", {"decision": "accordee", "amount": "400"})
    assert "Cochez la confirmation" in page


def test_scores_are_between_0_and_5(world, net, login):
    call = _call(net)
    application = services.application_submit(
        call=call, applicant=world.org_a, by=None, title="Repas", description="d", budget=1500, expected_effects="e"
    )
    criteria = list(call.criteria.all())
    client = login(net.coordinator)
    client.get(f"/reseau/candidatures/{application.pk}/")  # the first visit of the day is recorded
    page = _refused(client, f"/reseau/candidatures/{application.pk}/notes/", {f"c{c.pk}": 7 for c in criteria})
    assert "Une note va de 0 à 5." in page


def test_who_reads_calls_and_applications(world, net, login):
    call = _call(net)
    of_a = services.application_submit(
        call=call, applicant=world.org_a, by=None, title="Projet de A", description="d", budget=10, expected_effects="e"
    )
    of_c = services.application_submit(
        call=call, applicant=net.org_c, by=None, title="Projet de C", description="d", budget=10, expected_effects="e"
    )
    staff_a = login(world.staff_a)
    page = text(staff_a.get(f"/reseau/appels/{call.pk}/"))
    assert "Projet de A" in page and "Projet de C" not in page and "Moyenne" not in page
    assert staff_a.get(f"/reseau/candidatures/{of_c.pk}/").status_code == 404
    assert staff_a.post(f"/reseau/candidatures/{of_a.pk}/decision/", {}).status_code == 403
    staff_b = login(world.staff_b)
    assert staff_b.get(f"/reseau/appels/{call.pk}/").status_code == 404
    assert staff_b.get(f"/reseau/candidatures/{of_a.pk}/").status_code == 404
    assert "Coups de pouce" not in text(staff_b.get("/reseau/appels/"))
    for user in (world.relais_user_a, world.partner_a):
        assert login(user).get(f"/reseau/appels/{call.pk}/").status_code == 403
        assert login(user).get(f"/reseau/candidatures/{of_a.pk}/").status_code == 403
    # The coordination does not apply for a member.
    assert login(net.coordinator).get(f"/reseau/appels/{call.pk}/candidater/").status_code == 403


def test_the_calls_list_costs_the_same_queries_for_1_or_8_calls(world, net, login):
    def calls_queries(client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/reseau/appels/").status_code == 200
        return len(queries)

    _call(net)
    client = login(world.staff_a)
    calls_queries(client)
    few = calls_queries(client)
    for n in range(7):
        _call(net, title=f"Appel {n}")
    assert calls_queries(client) == few
    assert "Appel 6" in text(client.get("/reseau/appels/"))


def _call_page_queries(client, call) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/reseau/appels/{call.pk}/").status_code == 200
    return len(queries)


def test_the_call_page_costs_the_same_queries_for_2_or_12_applications(world, net):
    from django.test import Client

    committee = _committee(net)
    call = _call(net, envelope=100_000)
    criteria = list(call.criteria.all())

    def add(n):
        for k in range(n):
            application = services.application_submit(
                call=call, applicant=world.org_a if k % 2 else net.org_c, by=None, title=f"Projet {k}",
                description="d", budget=100, expected_effects="e",
            )  # fmt: skip
            for member in committee:
                services.scores_set(application=application, scorer=member, values={c.pk: 3 for c in criteria})

    client = Client()
    client.force_login(net.coordinator)
    add(2)
    _call_page_queries(client, call)
    few = _call_page_queries(client, call)
    add(10)
    assert _call_page_queries(client, call) == few
    assert len(selectors.call_page(net.coordinator, call)["applications"]) == 12


def test_check_data_tells_a_call_that_granted_more_than_its_envelope(world, net):
    from core import integrity

    call = _call(net, envelope=1000)
    application = services.application_submit(
        call=call, applicant=world.org_a, by=None, title="Repas", description="d", budget=900, expected_effects="e"
    )
    services.application_decide(application=application, by=None, granted=True, amount=900)
    assert not [p for p in integrity.run(net.network) if p.kind == "reseau.enveloppe_depassee"]
    Call.objects.filter(pk=call.pk).update(envelope=800)  # changed behind the services' back
    problems = [p for p in integrity.run(net.network) if p.kind == "reseau.enveloppe_depassee"]
    assert [p.what for p in problems] == ["les montants accordés (900 €) dépassent l'enveloppe (800 €)."]


def test_a_refusal_says_why_and_reaches_the_member(world, net, login):
    call = _call(net)
    application = services.application_submit(
        call=call, applicant=net.org_c, by=None, title="Atelier", description="d", budget=900, expected_effects="e"
    )
    client = login(net.coordinator)
    client.get(f"/reseau/candidatures/{application.pk}/")
    url = f"/reseau/candidatures/{application.pk}/decision/"
    page = _refused(client, url, {"decision": "refusee", "confirm": "on"})
    assert "Dites pourquoi le comité refuse : le membre le lira." in page
    reason = "Le projet est déjà financé par la ville."
    assert client.post(url, {"decision": "refusee", "refusal_reason": reason, "confirm": "on"}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.granted_amount, application.refusal_reason) == ("refusee", None, reason)
    page = text(login(net.staff_c).get(f"/reseau/candidatures/{application.pk}/"))
    assert "Non retenue" in page and f"le {date_format(timezone.localdate(), 'j F Y')} : {reason}" in page
    assert Message.objects.filter(recipient_user=net.staff_c, kind="decision_appel").count() == 1
