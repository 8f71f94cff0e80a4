"""The public pages' shared cast: an event open to all on habitat-a's published page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import InitiativeFactory
from vitrine.models import PublicPage, PublishedInitiative


@pytest.fixture
def event(world):
    PublicPage.objects.create(organisation=world.org_a, published=True)
    initiative = InitiativeFactory(
        organisation=world.org_a,
        title="Pique-nique du lac",
        starts_on=timezone.localdate() + datetime.timedelta(days=4),
    )
    PublishedInitiative.objects.create(organisation=world.org_a, initiative=initiative)
    return initiative
