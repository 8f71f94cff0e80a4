"""Lending equipment and rooms: never more than the stock on a day, never a
room twice at the same time — enforced in the approval's transaction."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from initiatives import services
from initiatives.models import InitiativeKind, LogisticsRequest
from tests.conftest import require_service
from tests.factories import EquipmentFactory, RoomFactory

DAY = datetime.date(2027, 6, 12)


def initiative(world, title="Fête des voisins"):
    return services.initiative_save(
        organisation=world.org_a,
        by=world.staff_a,
        kind=InitiativeKind.objects.filter(organisation=world.org_a).first(),
        title=title,
        starts_on=DAY,
        residences=[world.residence_a1],
        organisers=[world.relais_a],
    )


def ask(world, equipment, quantity, start=DAY, end=DAY, **room):
    return services.logistics_request(
        initiative=initiative(world),
        by=world.staff_a,
        starts_on=start,
        ends_on=end,
        lines=[(equipment, quantity)] if equipment else [],
        **room,
    )


@pytest.mark.django_db
def test_approvals_never_lend_more_than_the_stock_on_any_day(world):
    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=10)
    first = ask(world, tables, 6, DAY, DAY + datetime.timedelta(days=2))
    services.logistics_decide(request=first, by=world.staff_a, approve=True)
    # Overlapping on the third day only: 6 + 6 > 10.
    second = ask(world, tables, 6, DAY + datetime.timedelta(days=2), DAY + datetime.timedelta(days=3))
    with pytest.raises(ValidationError, match="il en reste 4 sur 10 le 14 juin 2027"):
        services.logistics_decide(request=second, by=world.staff_a, approve=True)
    second.refresh_from_db()
    assert second.status == "demandee"
    # Adjusted to what is left, it goes through; the day after, all ten are free again.
    services.logistics_decide(request=second, by=world.staff_a, approve=True, granted={tables.pk: 4})
    assert second.lines.get().granted == 4
    third = ask(world, tables, 10, DAY + datetime.timedelta(days=4), DAY + datetime.timedelta(days=4))
    services.logistics_decide(request=third, by=world.staff_a, approve=True)


@pytest.mark.django_db
def test_a_room_is_never_booked_twice_at_the_same_time(world):
    from django.utils import timezone

    room = RoomFactory(organisation=world.org_a, name="Salle commune des Tilleuls")
    at = timezone.make_aware(datetime.datetime(2027, 6, 12, 18, 0))
    hours = datetime.timedelta(hours=3)
    first = ask(world, None, 0, room=room, room_starts_at=at, room_ends_at=at + hours)
    services.logistics_decide(request=first, by=world.staff_a, approve=True)
    clash = ask(world, None, 0, room=room, room_starts_at=at + datetime.timedelta(hours=2), room_ends_at=at + hours * 2)
    with pytest.raises(ValidationError, match="est déjà réservée le 12 juin 2027 à partir de 18 h 00"):
        services.logistics_decide(request=clash, by=world.staff_a, approve=True)
    after = ask(world, None, 0, room=room, room_starts_at=at + hours, room_ends_at=at + hours * 2)
    services.logistics_decide(request=after, by=world.staff_a, approve=True)  # back to back is fine


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_and_a_decision_is_final(world):
    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=10)
    request = ask(world, tables, 2)
    with pytest.raises(ValidationError, match="Dites pourquoi"):
        services.logistics_decide(request=request, by=world.staff_a, approve=False)
    services.logistics_decide(request=request, by=world.staff_a, approve=False, reason="Déjà prêtées au centre social.")
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        services.logistics_decide(request=request, by=world.staff_a, approve=True)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_on_postgresql_exactly_one_wins(world, monkeypatch):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=10)
    requests = [ask(world, tables, 6), ask(world, tables, 6)]

    # Widen the window between checking the stock and writing the approval:
    # without the row lock, both approvals would check before either writes.
    check = services._check_stock

    def slow_check(request, granted):
        check(request, granted)
        time.sleep(0.5)

    monkeypatch.setattr(services, "_check_stock", slow_check)
    start = threading.Barrier(2)
    outcomes = {}

    def approve(request):
        try:
            start.wait()
            services.logistics_decide(request=request, by=None, approve=True)
            outcomes[request.pk] = "accordée"
        except ValidationError as error:
            outcomes[request.pk] = " ".join(error.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    statuses = sorted(LogisticsRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list("status", flat=True))
    assert statuses == ["approuvee", "demandee"], outcomes
    (refusal,) = [text for text in outcomes.values() if text != "accordée"]
    assert "il en reste 4 sur 10" in refusal


@pytest.mark.django_db
def test_stock_never_drops_below_what_is_lent_on_a_day_to_come(world, login):
    chairs = EquipmentFactory(organisation=world.org_a, name="Chaises", quantity=50)
    later = DAY + datetime.timedelta(days=2), DAY + datetime.timedelta(days=3)
    for quantity, start, end in ((40, DAY, DAY), (25, *later)):
        services.logistics_decide(request=ask(world, chairs, quantity, start, end), by=world.staff_a, approve=True)
    past = ask(world, chairs, 50, datetime.date(2025, 3, 1), datetime.date(2025, 3, 1))
    services.logistics_decide(request=past, by=world.staff_a, approve=True)
    today = datetime.date(2027, 1, 4)

    with pytest.raises(ValidationError) as refused:
        services.equipment_stock_set(organisation=world.org_a, name="chaises", quantity=10, today=today)
    assert refused.value.messages == [
        "Le stock de « Chaises » ne peut pas descendre à 10 : 40 déjà prêtés le 12 juin 2027 ; "
        "25 déjà prêtés du 14 au 15 juin 2027. Réduisez ou refusez d'abord ces prêts, "
        "ou attendez leur retour."
    ]
    chairs.refresh_from_db()
    assert chairs.quantity == 50
    # Down to what the busiest day to come needs, it goes through; past loans do not count.
    services.equipment_stock_set(organisation=world.org_a, name="Chaises", quantity=40, today=today)
    chairs.refresh_from_db()
    assert chairs.quantity == 40

    # The stock page says the same, on the form, and changes nothing.
    form = {"add": "equipment", "name": "Chaises", "quantity": 10}
    response = login(world.staff_a).post("/initiatives/logistique/", form)
    assert response.status_code == 200
    assert "ne peut pas descendre à 10 : 40 déjà prêtés le 12 juin 2027" in response.content.decode()
    chairs.refresh_from_db()
    assert chairs.quantity == 40
