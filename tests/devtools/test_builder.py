"""The data builder: its two ways of writing (the product's services, bulk
inserts) give the same relais and remontées, a life the product refuses is
refused, and what the benchmarks build is a history the product could have
recorded (tests/devtools/coherence.py)."""

import datetime

import pytest
from django.utils import timezone

from core.models import Consent, ContactChannel, Membership, Message, Organisation
from devtools.builder import Builder, RelaisPlan, Step, clock
from devtools.management.commands import bench_bilan
from devtools.management.commands.bench_scale import federation
from relais.models import Relais, RelaisResidence, RelaisStatusChange
from remontees.models import Remontee, RemonteeEvent
from tests.devtools.coherence import problems
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
S = Relais.Status


def _build(slug: str, *, bulk: bool) -> Organisation:
    org = OrganisationFactory(name=slug, slug=slug)
    b = Builder(org, rng=7, bulk=bulk)
    b.by = b.member(f"mediation@{slug}.test", Membership.Role.STAFF, first_name="Claire", last_name="Fontaine")
    homes = b.residences(8, quartiers=b.quartiers([("Nord", True), ("Sud", False)]))
    b.relais(
        40,
        homes=homes,
        statuses={S.ACTIF: 6, S.PAUSE: 1, S.CANDIDAT: 1, S.SORTI: 2},
        channels={ContactChannel.EMAIL: 6, ContactChannel.SMS: 3, ContactChannel.PAPER: 1},
        logins=(S.ACTIF, S.PAUSE),
    )
    b.remontees(4)
    return org


def _snapshot(org: Organisation) -> dict[str, list[tuple]]:
    """Everything written about the relais and the remontées, with ids replaced by
    each row's rank and the organisation's slug by a placeholder."""

    def rank(rows):
        return {pk: n for n, pk in enumerate(rows.order_by("pk").values_list("pk", flat=True))}

    def plain(text: str) -> str:
        return text.replace(org.slug, "org")

    relais = rank(Relais.objects.filter(organisation=org))
    remontees = rank(Remontee.objects.filter(organisation=org))
    events = rank(RemonteeEvent.objects.filter(remontee__organisation=org))
    return {
        "relais": [
            (r.first_name, r.last_name, plain(r.email), r.phone, r.preferred_channel, r.status, r.status_since,
             r.started_on, r.left_on, r.exit_reason, r.created_at, plain(r.user.email) if r.user else None)
            for r in Relais.objects.filter(organisation=org).select_related("user").order_by("pk")
        ],
        "homes": [
            (relais[link.relais_id], link.residence.name, link.building)
            for link in RelaisResidence.objects.filter(relais__organisation=org).select_related("residence")
            .order_by("pk")
        ],
        "history": [
            (relais[c.relais_id], c.from_status, c.to_status, c.date, c.exit_reason, c.note, c.created_at,
             plain(c.changed_by.email))
            for c in RelaisStatusChange.objects.filter(relais__organisation=org).select_related("changed_by")
            .order_by("pk")
        ],
        "consents": [
            (relais[c.relais_id], c.scope, c.given_on, c.withdrawn_on, c.created_at, plain(c.recorded_by.email))
            for c in Consent.objects.filter(organisation=org).select_related("recorded_by").order_by("pk")
        ],
        "remontees": [
            (relais[r.relais_id], r.residence.name, r.theme.name, r.description, r.source, r.nature, r.status,
             r.status_reason, plain(r.assignee.email) if r.assignee else None,
             plain(r.created_by.email) if r.created_by else None, r.created_at, r.answered_at, r.closed_at)
            for r in Remontee.objects.filter(organisation=org)
            .select_related("residence", "theme", "assignee", "created_by")
            .order_by("pk")
        ],
        "events": [
            (remontees[e.remontee_id], e.kind, e.status, e.comment, plain(e.by.email) if e.by else None, e.at)
            for e in RemonteeEvent.objects.filter(remontee__organisation=org).select_related("by").order_by("pk")
        ],
        "messages": [
            (relais[m.recipient_relais_id], m.kind.split("-")[0], events.get(int(m.kind.split("-")[1])), m.channel,
             plain(m.address), m.state, m.scheduled_for, m.next_attempt_at, m.sent_at, m.attempts)
            for m in Message.objects.filter(organisation=org).order_by("pk")
        ],
    }  # fmt: skip


def test_the_services_and_bulk_inserts_write_the_same_relais_and_remontees():
    with clock(timezone.now()):  # one "now" for both, as the bulk rows are dated from it
        by_services, in_bulk = _build("par-services", bulk=False), _build("en-masse", bulk=True)
    first, second = _snapshot(by_services), _snapshot(in_bulk)
    assert {name: len(rows) for name, rows in first.items()} == {name: len(rows) for name, rows in second.items()}
    assert {row[5] for row in first["relais"]} == set(S.values)
    assert first["messages"] and first["events"], "nothing was told: nothing was compared"
    for name in first:
        assert first[name] == second[name], name
    assert problems(by_services) == [] and problems(in_bulk) == []


@pytest.mark.parametrize("bulk", [False, True])
@pytest.mark.parametrize(
    "life",
    [
        [Step(S.PAUSE, datetime.date(2025, 1, 1))],
        [Step(S.ACTIF, datetime.date(2025, 1, 1)), Step(S.CANDIDAT, datetime.date(2025, 2, 1))],
        [Step(S.ACTIF, datetime.date(2025, 3, 1)), Step(S.PAUSE, datetime.date(2025, 2, 1))],
        [Step(S.ACTIF, datetime.date(2025, 1, 1)), Step(S.SORTI, datetime.date(2025, 2, 1))],
        [Step(S.ACTIF, timezone.localdate() + datetime.timedelta(days=1))],
    ],
    ids=["starts-paused", "back-to-candidate", "back-in-time", "leaves-without-reason", "in-the-future"],
)
def test_a_life_the_product_would_refuse_is_refused_and_nothing_is_written(life, bulk):
    b = Builder(OrganisationFactory(), bulk=bulk)
    with pytest.raises(ValueError):
        b.relais([RelaisPlan("Nadia", "Benali", life)])
    assert not Relais.objects.exists()


def test_the_benchmarks_data_is_a_history_the_product_could_have_recorded():
    federation(organisations=2, residences=24, relais=60, years=2, seed=7)  # bench_scale's data, without its VACUUM
    org = bench_bilan.build(timezone.localdate().year - 1, residences=12, relais=40, meetings=8, remontees=150,
                            initiatives=30)  # fmt: skip
    reminders = OrganisationFactory(slug="bench-rappels")
    people = Builder(reminders, bulk=True).due_reminders(25, due=timezone.now())
    assert Message.objects.filter(organisation=reminders, state=Message.State.PENDING).count() == len(people) == 25
    orgs = list(Organisation.objects.filter(slug__startswith="bench-"))
    assert len(orgs) == 4 and org in orgs
    for each in orgs:
        assert each.relais.exists()
        assert problems(each) == [], each.slug


def test_a_larger_scale_adds_other_organisations_and_leaves_the_first_ones_as_they_were():
    """make bench compares one organisation at two scales: the larger one is the
    smaller one with others added, each new one the size of its match."""
    from devtools.management.commands.bench_scale import sizes

    assert sizes(20_000, 400) == sizes(1000, 20) * 20 and sum(sizes(1000, 20)) == 1000
    federation(organisations=2, residences=24, relais=60, years=1, seed=7)

    def shape() -> dict:
        return {
            o.slug: (o.residences.count(), o.relais.count(), Remontee.objects.filter(organisation=o).count())
            for o in Organisation.objects.filter(slug__startswith="bench-").order_by("slug")
        }

    before = shape()
    federation(organisations=4, residences=48, relais=120, years=1, seed=7, first=2)
    after = shape()
    assert len(after) == 4 and {k: after[k] for k in before} == before
