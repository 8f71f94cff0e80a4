"""Every model of the project has a factory in tests/factories.py, and each
makes a row that the database accepts, with related rows of one organisation."""

import pytest
from django.apps import apps
from factory.django import DjangoModelFactory

from tests import factories

pytestmark = pytest.mark.django_db

OUR_APPS = ("core", "relais", "reunions", "remontees", "initiatives", "espace", "inbox", "privacy", "bilans")
# Rows only their own code makes, which no test builds by hand.
NO_FACTORY = {
    "core.NetworkMembership": "a member joins a network through reseau.services.network_member_add (tests/reseau)",
    "initiatives.Organiser": "the organisers' link of an initiative: InitiativeFactory's organisers make its rows",
    "initiatives.NeighbourAttendance": (
        "made through initiatives.services.neighbour_attendance_add (tests/public/test_open_events.py)"
    ),
    "relais.ImportJob": "an uploaded CSV: the large import makes it (tests/relais/test_big_import.py)",
    "reunions.ReunionSeries": "reunions.services.reunion_plan makes the series of its meetings",
    "reunions.ReunionSettings": "made with the organisation, changed through its form",
    "initiatives.InitiativePhoto": "an upload: initiatives.services.photo_add, with a real image",
    # Proxies: the same rows as their model's, read with a scope of their own.
    "initiatives.SharedInitiative": "a proxy of Initiative (InitiativeFactory makes its rows)",
    "initiatives.SharedPhoto": "a proxy of InitiativePhoto",
    "relais.ListedRelais": "a proxy of Relais (RelaisFactory makes its rows)",
    # Made by their services only, which check who an announcement reaches.
    "espace.Announcement": "espace.services.announcement_draft, refused when it would reach nobody",
    "espace.AnnouncementRecipient": "espace.services.announcement_send, one per relais reached",
    "espace.AnnouncementAttachment": "an upload: checked by core.uploads.clean_attachment",
}

FACTORIES = {
    f._meta.model._meta.label: f
    for f in vars(factories).values()
    if isinstance(f, type) and issubclass(f, DjangoModelFactory) and f is not DjangoModelFactory
}


def test_every_model_has_a_factory_or_a_reason():
    models = {m._meta.label for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert models - set(FACTORIES) - set(NO_FACTORY) == set()
    assert set(NO_FACTORY) <= models


@pytest.mark.parametrize("label", sorted(FACTORIES))
def test_a_factory_makes_a_row_of_one_organisation(label):
    row = FACTORIES[label]()
    row.refresh_from_db()
    organisations = {
        getattr(related, "organisation_id", None)
        for related in [row, *(getattr(row, f.name) for f in row._meta.concrete_fields if f.is_relation)]
        if related is not None
    } - {None}
    assert len(organisations) <= 1, f"{label} mixes organisations {organisations}"
